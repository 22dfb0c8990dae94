import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Prompts that each make the real CLI (through the scripted model) call one tool on its own
 * file in a workspace, and a reading of what came of it: whether the call ran, and if not, why.
 * The same probes run through a direct query() and through the server, so outcomes compare.
 */
export const PROBES = ['Write', 'Edit', 'Bash', 'Read', 'Grep'] as const;
export type Probe = (typeof PROBES)[number];

/** What the workspace holds before the probes: the file the Edit and the Read are about. */
export const EXISTING_FILE = 'existing.txt';
export const EXISTING_CONTENT = 'original\n';

const inlineScript = (steps: unknown[]) => `[[script:${JSON.stringify({ steps })}]]`;
const call = (name: string, input: Record<string, unknown>) => inlineScript([{ tool: { name, input } }, { text: 'done' }]);

/**
 * The Bash probe runs `sh -c`, which acceptEdits does not approve by itself (it does approve a
 * plain `echo > file`): it runs only where the tool list's allow rule is in force.
 */
export function probePrompt(probe: Probe, workspace: string): string {
  switch (probe) {
    case 'Write':
      return call('Write', { file_path: path.join(workspace, 'written.txt'), content: 'written\n' });
    case 'Edit':
      return call('Edit', { file_path: path.join(workspace, EXISTING_FILE), old_string: 'original', new_string: 'edited' });
    case 'Bash':
      return call('Bash', { command: "sh -c 'echo bash > bash.txt'" });
    case 'Read':
      return call('Read', { file_path: path.join(workspace, EXISTING_FILE) });
    case 'Grep':
      return call('Grep', { pattern: 'original|edited', path: workspace });
  }
}

/**
 * Why a tool call did or did not run, as a category (the texts differ between the server's gate
 * and the CLI): `ran`; `not allowed` (the tool is outside the task's list); `deny rule` (the
 * CLI's permission rules refused a file the call touches); `needs approval` (the permission mode
 * would have asked someone); anything else verbatim.
 */
export function refusalCause(result: { is_error: boolean; content: string }): string {
  if (!result.is_error) return 'ran';
  if (/is not in this task's allowed_tools|No such tool available/.test(result.content)) return 'not allowed';
  if (/deny rule|denied by your permission settings/.test(result.content)) return 'deny rule';
  if (/requires approval|haven't granted|needs approval/.test(result.content)) return 'needs approval';
  return `other: ${result.content.slice(0, 160)}`;
}

/** The files the probes touch, as they are now (null: absent). */
export function probedFiles(workspace: string): Record<string, string | null> {
  const read = (name: string) => (existsSync(path.join(workspace, name)) ? readFileSync(path.join(workspace, name), 'utf8') : null);
  return { 'written.txt': read('written.txt'), [EXISTING_FILE]: read(EXISTING_FILE), 'bash.txt': read('bash.txt') };
}

/** What the probes leave when exactly the listed tools work and the others are refused. */
export function expectedFiles(listed: (probe: Probe) => boolean): Record<string, string | null> {
  return {
    'written.txt': listed('Write') ? 'written\n' : null,
    [EXISTING_FILE]: listed('Edit') ? 'edited\n' : EXISTING_CONTENT,
    'bash.txt': listed('Bash') ? 'bash\n' : null,
  };
}

/** A tool_result's content as text, whether the SDK gives a string or text blocks. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return JSON.stringify(content ?? '');
  return content.map((block: { type?: string; text?: string }) => (block.type === 'text' ? (block.text ?? '') : JSON.stringify(block))).join('');
}
