import { CcsConnectionError, isRetryable } from './errors.js';
import type { HttpTransport } from './http.js';
import { StreamOpenFailed, resolveWebSocket, sseConnection, webSocketConnection, type Connection, type WebSocketConstructor } from './stream-connections.js';
import type { TaskEvent } from './types.js';

export type StreamTransport = 'websocket' | 'sse';

export interface ReconnectInfo {
  /** Consecutive attempts without a new event, starting at 1. */
  attempt: number;
  /** The seq the next connection resumes after. */
  after: number;
  /** Why the previous connection ended (undefined: it was closed without an error). */
  error: unknown;
}

export interface StreamOptions {
  /** Resume after this seq (events with a greater seq only). Default 0: the whole history. */
  after?: number | undefined;
  /** `websocket` (default) or `sse` (Server-Sent Events over fetch; no WebSocket needed). */
  transport?: StreamTransport | undefined;
  /** Stops the stream: the iterator rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Consecutive failed connections (no new event in between) before giving up. Default 8. */
  maxReconnectAttempts?: number | undefined;
  /** First reconnect delay, doubled per failed attempt up to 5 s. Default 250 ms. */
  reconnectDelayMs?: number | undefined;
  /** Called before each reconnect. */
  onReconnect?: ((info: ReconnectInfo) => void) | undefined;
}

export interface StreamDeps {
  http: HttpTransport;
  WebSocket?: WebSocketConstructor | undefined;
}

const MAX_DELAY_MS = 5_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A task's events in order, exactly once each, ending after `complete`. When a connection drops
 * (server restart, proxy timeout, slow-consumer close) it reconnects after the last seq it
 * yielded, so the caller sees neither a gap nor a duplicate. Errors that retrying cannot fix
 * (unknown task, wrong key) are thrown as CcsApiError.
 */
export async function* streamTaskEvents(deps: StreamDeps, taskId: string, options: StreamOptions = {}): AsyncGenerator<TaskEvent, void> {
  const { http } = deps;
  const transport = options.transport ?? 'websocket';
  const maxAttempts = options.maxReconnectAttempts ?? 8;
  const baseDelay = options.reconnectDelayMs ?? 250;
  // One internal signal for every connection, so a caller's `break` or abort closes the socket.
  const stop = new AbortController();
  const onCallerAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  if (options.signal?.aborted) onCallerAbort();
  const WebSocketImpl = transport === 'websocket' ? await resolveWebSocket(deps.WebSocket) : undefined;

  let last = options.after ?? 0;
  let failures = 0;
  try {
    for (;;) {
      const connection: Connection = WebSocketImpl
        ? webSocketConnection(http, WebSocketImpl, taskId, last, stop.signal)
        : sseConnection(http, taskId, last, stop.signal);
      let error: unknown;
      try {
        for (;;) {
          const next = await connection.next();
          if (next.done) {
            if (next.value === 'finished') return;
            break;
          }
          const event = next.value;
          if (event.seq <= last) continue; // already yielded before a reconnect
          if (event.seq !== last + 1) {
            error = new CcsConnectionError(`Event ${last + 1} of task ${taskId} is missing (got ${event.seq}); resuming after ${last}`, http.baseUrl);
            break;
          }
          last = event.seq;
          failures = 0;
          yield event;
          if (event.type === 'complete') return;
        }
      } catch (caught) {
        if (stop.signal.aborted) throw stop.signal.reason;
        error = caught;
      } finally {
        await connection.return('dropped').catch(() => undefined);
      }
      // The upgrade was refused: ask over HTTP, which says why (TASK_NOT_FOUND, UNAUTHORIZED …).
      if (error instanceof StreamOpenFailed) {
        await http.request('getTask', { path: { task_id: taskId } }, { signal: stop.signal }).catch((reason: unknown) => {
          if (!isRetryable(reason)) throw reason;
        });
      } else if (error !== undefined && !isRetryable(error) && !(error instanceof CcsConnectionError)) {
        throw error;
      }
      failures += 1;
      if (failures > maxAttempts) {
        throw new CcsConnectionError(`The event stream of task ${taskId} kept dropping (${maxAttempts} reconnects without a new event)`, http.baseUrl, {
          cause: error,
        });
      }
      options.onReconnect?.({ attempt: failures, after: last, error });
      await sleep(Math.min(baseDelay * 2 ** (failures - 1), MAX_DELAY_MS), stop.signal);
    }
  } finally {
    options.signal?.removeEventListener('abort', onCallerAbort);
    stop.abort();
  }
}
