import type pc from 'picocolors';
import type { CompleteData, ProgressData, TaskEvent, TaskStatus } from '../../packages/client/src/index.js';

/**
 * Task events as lines for a person. Pure: the same output with or without colours (picocolors
 * with colours off returns the text unchanged), so a pipe gets the same lines as a terminal.
 */

export type Colors = ReturnType<typeof pc.createColors>;

const RESULT_LINES = 4;
const LINE_WIDTH = 160;
const SUMMARY_WIDTH = 100;

/** The input fields that say most about a tool call, in order of preference. */
const SUMMARY_FIELDS = ['command', 'file_path', 'notebook_path', 'path', 'pattern', 'url', 'query', 'description', 'prompt'];

export function truncate(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= width ? flat : `${flat.slice(0, width - 1)}…`;
}

/** `Bash(ls -la)`, `Write(/w/notes.md)`: the tool and the one input field that matters. */
export function summariseToolInput(input: unknown): string {
  if (input === null || input === undefined) return '';
  if (typeof input !== 'object') return truncate(String(input), SUMMARY_WIDTH);
  const fields = input as Record<string, unknown>;
  const key = SUMMARY_FIELDS.find((k) => typeof fields[k] === 'string' && fields[k] !== '');
  if (key !== undefined) return truncate(String(fields[key]), SUMMARY_WIDTH);
  return truncate(JSON.stringify(input), SUMMARY_WIDTH);
}

/** The first few lines of a tool result, each cut to the terminal-friendly width. */
export function truncateResult(content: string): string[] {
  const lines = content.replace(/\s+$/, '').split('\n');
  if (lines.length === 1 && lines[0] === '') return ['(no output)'];
  const shown = lines.slice(0, RESULT_LINES).map((line) => (line.length > LINE_WIDTH ? `${line.slice(0, LINE_WIDTH - 1)}…` : line));
  if (lines.length > RESULT_LINES) shown.push(`… (+${lines.length - RESULT_LINES} more lines)`);
  return shown;
}

export function formatTokens(input: number, output: number): string {
  return `${(input + output).toLocaleString('en-US')} tokens`;
}

export function formatCost(usd: number): string {
  return `$${usd.toFixed(4)}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
}

export function progressSummary(data: ProgressData): string {
  const parts = [`turn ${data.turns}`, formatTokens(data.input_tokens, data.output_tokens), formatCost(data.cost_usd)];
  if (data.files_changed.length > 0) parts.push(`files: ${truncate(data.files_changed.join(', '), 80)}`);
  return parts.join(' · ');
}

export function statusColour(c: Colors, status: TaskStatus): (text: string) => string {
  switch (status) {
    case 'completed':
      return c.green;
    case 'failed':
    case 'timed_out':
      return c.red;
    case 'interrupted':
      return c.yellow;
    default:
      return c.cyan;
  }
}

function completeLines(c: Colors, data: CompleteData): string[] {
  const mark = data.status === 'completed' ? '✔' : data.status === 'interrupted' ? '■' : '✖';
  const parts: string[] = [data.duration_ms === null ? data.status : `${data.status} in ${formatDuration(data.duration_ms)}`];
  parts.push(
    `${data.num_turns} turn${data.num_turns === 1 ? '' : 's'}`,
    formatTokens(data.usage.input_tokens, data.usage.output_tokens),
    formatCost(data.cost_usd),
  );
  return [statusColour(c, data.status)(`${mark} ${parts.join(' · ')}`)];
}

/**
 * Lines for one event; `live` says a spinner shows progress, so progress events print nothing.
 * The final result is not repeated: it is the last assistant message, already printed.
 */
export function renderEvent(c: Colors, event: TaskEvent, live: boolean): string[] {
  switch (event.type) {
    case 'message':
      return event.data.text.split('\n');
    case 'tool_use': {
      const summary = summariseToolInput(event.data.input);
      return [`${c.cyan('→')} ${c.bold(event.data.name)}${summary === '' ? '' : c.dim(`(${summary})`)}`];
    }
    case 'tool_result': {
      const paint = event.data.is_error ? c.red : c.dim;
      return truncateResult(event.data.content).map((line, i) => paint(`${i === 0 ? '  ⎿ ' : '    '}${line}`));
    }
    case 'progress':
      return live ? [] : [c.dim(`· ${progressSummary(event.data)}`)];
    case 'error':
      return [c.red(`✖ ${event.data.code}: ${event.data.message}`)];
    case 'complete':
      return completeLines(c, event.data);
    case 'permission_request': {
      const summary = summariseToolInput(event.data.input);
      return [c.yellow(`? ${event.data.tool_name}${summary === '' ? '' : `(${summary})`} waits for approval: request ${event.data.request_id}`)];
    }
    case 'network_blocked':
      return [c.red(`⊘ network: ${event.data.host}:${event.data.port} blocked (${event.data.reason})`)];
    case 'permission_decision':
      return [
        (event.data.decision === 'allow' ? c.dim : c.red)(
          `  ${event.data.decision === 'allow' ? 'allowed' : 'denied'} (${event.data.decided_by})${event.data.message ? `: ${event.data.message}` : ''}`,
        ),
      ];
  }
}
