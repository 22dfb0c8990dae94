import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { newId } from './reply.js';
import { errorBody } from './wire.js';

/**
 * A model failure a script step can stage, for fault tests of whatever sits between the CLI and
 * the model (the server's credential proxy retries, cuts and reports these):
 * - `statuses`: the n-th arrival of the same request is answered with statuses[n] ('reset' drops
 *   the connection before any byte), later arrivals get the step's normal reply; with
 *   `repeat_last` the last entry answers for ever. `retry_after` is sent with every error.
 * - `stream`: 'silent' sends 200 and SSE headers, then nothing until the client hangs up;
 *   'drop' starts the message and then destroys the connection; 'malformed' sends a stream
 *   whose events are not JSON, then ends it.
 */
export type Fault =
  | { readonly statuses: readonly StatusEntry[]; readonly repeat_last?: boolean; readonly retry_after?: string; readonly stream?: never }
  | { readonly stream: 'silent' | 'drop' | 'malformed'; readonly statuses?: never; readonly retry_after?: never };

export type StatusEntry = number | 'reset';

const ERROR_TYPES: Record<number, string> = { 429: 'rate_limit_error', 529: 'overloaded_error', 500: 'api_error', 504: 'timeout_error' };

/** Parses `529,529,529` or `500+` (a trailing `+` repeats the last entry for ever); a message when invalid. */
export function parseStatuses(text: string, retryAfter?: string): Fault | string {
  const trimmed = text.trim();
  const repeat = trimmed.endsWith('+');
  const entries: StatusEntry[] = [];
  for (const part of (repeat ? trimmed.slice(0, -1) : trimmed).split(',').map((p) => p.trim())) {
    if (part === 'reset') entries.push('reset');
    else if (/^\d{3}$/.test(part)) entries.push(Number(part));
    else return `statuses: "${part}" is neither an HTTP status nor "reset"`;
  }
  if (entries.length === 0) return 'statuses: empty';
  return { statuses: entries, ...(repeat ? { repeat_last: true } : {}), ...(retryAfter === undefined ? {} : { retry_after: retryAfter }) };
}

/** Counts arrivals of identical requests: a retry resends the same body, so it gets the next status. */
export class AttemptCounter {
  private readonly counts = new Map<string, number>();

  /** 0 for the first arrival of this body, 1 for the second, ... */
  next(rawBody: string): number {
    const key = createHash('sha256').update(rawBody).digest('hex');
    const seen = this.counts.get(key) ?? 0;
    // A test double: forget everything rather than grow without bound.
    if (this.counts.size > 10_000) this.counts.clear();
    this.counts.set(key, seen + 1);
    return seen;
  }
}

/** What a fault does to this arrival: null means "answer normally". */
export function faultOutcome(fault: Fault, attempt: number): string | null {
  if (fault.stream !== undefined) return `fault:${fault.stream}`;
  const entry = fault.statuses[attempt] ?? (fault.repeat_last ? fault.statuses.at(-1) : undefined);
  if (entry === undefined) return null;
  return entry === 'reset' ? 'fault:reset' : `error:${entry}`;
}

/** Answers with the fault's outcome for this arrival (see faultOutcome, which must not be null). */
export function sendFault(res: ServerResponse, fault: Fault, outcome: string, signal: AbortSignal): void {
  if (outcome === 'fault:reset') return void res.socket?.destroy();
  if (outcome.startsWith('error:')) {
    const status = Number(outcome.slice('error:'.length));
    const requestId = newId('req_');
    const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': requestId, 'x-should-retry': 'true' };
    if (fault.retry_after !== undefined) headers['retry-after'] = fault.retry_after;
    res.writeHead(status, headers);
    return void res.end(errorBody(ERROR_TYPES[status] ?? 'api_error', `Scripted ${status}`, requestId));
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
  if (fault.stream === 'silent') {
    // Hold the connection open, sending nothing, until the client or the server closes it.
    signal.addEventListener('abort', () => res.destroy(), { once: true });
    return;
  }
  const start = {
    type: 'message_start',
    message: {
      id: newId('msg_'),
      type: 'message',
      role: 'assistant',
      model: 'scripted',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 1, output_tokens: 1 },
    },
  };
  res.write(`event: message_start\ndata: ${JSON.stringify(start)}\n\n`);
  if (fault.stream === 'drop') {
    res.write(`event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n`);
    // Let the bytes leave before the connection dies mid-message.
    setTimeout(() => res.socket?.destroy(), 50).unref();
    return;
  }
  res.end('event: content_block_delta\ndata: {this is not json\n\nevent: message_stop\ndata: ]]]\n\n');
}
