import type { ToolCallLocation, ToolKind } from '@agentclientprotocol/sdk';

/** How an editor should present each Claude Code tool: its ACP kind (the icon) and a one-line title. */

const KINDS: Record<string, ToolKind> = {
  Read: 'read',
  Write: 'edit',
  Edit: 'edit',
  MultiEdit: 'edit',
  NotebookEdit: 'edit',
  Bash: 'execute',
  BashOutput: 'execute',
  KillShell: 'execute',
  Glob: 'search',
  Grep: 'search',
  WebFetch: 'fetch',
  WebSearch: 'fetch',
  TodoWrite: 'think',
};

export function toolKind(name: string): ToolKind {
  return KINDS[name] ?? 'other';
}

function field(input: unknown, key: string): string | undefined {
  if (input === null || typeof input !== 'object') return undefined;
  const value = (input as Record<string, unknown>)[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const oneLine = (text: string, max = 120) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

export function toolTitle(name: string, input: unknown): string {
  const subject = field(input, 'command') ?? field(input, 'file_path') ?? field(input, 'notebook_path') ?? field(input, 'pattern') ?? field(input, 'url');
  return subject === undefined ? name : `${name}: ${oneLine(subject)}`;
}

/** The file a tool touches, as paths on the server (the editor may show them; it cannot open them unless it shares the disk). */
export function toolLocations(input: unknown): ToolCallLocation[] {
  const file = field(input, 'file_path') ?? field(input, 'notebook_path');
  return file === undefined ? [] : [{ path: file }];
}
