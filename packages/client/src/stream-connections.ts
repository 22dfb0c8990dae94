import { AsyncQueue } from './async-queue.js';
import { CcsApiError } from './errors.js';
import type { HttpTransport } from './http.js';
import { ROUTES, fillPath, queryString } from './routes.js';
import type { TaskEvent } from './types.js';

/**
 * One connection to a task's event stream, over WebSocket or Server-Sent Events. It yields the
 * events it receives and returns how it ended: `finished` when the server said the stream is
 * over, `dropped` when the connection broke first (the caller reconnects after its last seq).
 */
export type ConnectionEnd = 'finished' | 'dropped';
export type Connection = AsyncGenerator<TaskEvent, ConnectionEnd>;

/** The socket was never opened: the upgrade was refused or the server was unreachable. */
export class StreamOpenFailed extends Error {
  override readonly name = 'StreamOpenFailed';
}

/** The part of the WHATWG WebSocket API the client uses; `ws` implements it too. */
export interface WebSocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The browser's (or Node ≥ 22's) WebSocket, else the `ws` package, loaded only then. */
export async function resolveWebSocket(given?: WebSocketConstructor): Promise<WebSocketConstructor> {
  if (given) return given;
  const native = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (native) return native;
  const ws = await import('ws');
  return ws.WebSocket as unknown as WebSocketConstructor;
}

const NORMAL_CLOSE = 1000;

/**
 * With a key, each connection gets a fresh single-use ticket (POST /api/v1/ws-tickets), so the
 * same code works in browsers, which cannot set headers on a WebSocket, and no key is ever put
 * in a URL.
 */
export async function* webSocketConnection(
  http: HttpTransport,
  WebSocketImpl: WebSocketConstructor,
  taskId: string,
  after: number,
  signal: AbortSignal,
): Connection {
  const ticket = http.hasApiKey ? (await http.request('createWsTicket', {}, { signal })).ticket : undefined;
  const wsBase = http.baseUrl.replace(/^http/, 'ws');
  const url = wsBase + fillPath(ROUTES.taskEventsWebSocket.path, { task_id: taskId }) + queryString({ after, ticket });
  const queue = new AsyncQueue<TaskEvent>();
  let opened = false;
  let closeCode = 0;
  const socket = new WebSocketImpl(url);
  socket.onopen = () => (opened = true);
  socket.onmessage = (message) => queue.push(JSON.parse(String(message.data)) as TaskEvent);
  // An error is always followed by close, which ends the queue.
  socket.onerror = () => undefined;
  socket.onclose = (event) => {
    closeCode = event.code;
    queue.end();
  };
  const abort = () => socket.close(NORMAL_CLOSE, 'client aborted');
  signal.addEventListener('abort', abort, { once: true });
  try {
    yield* queue;
  } finally {
    signal.removeEventListener('abort', abort);
    socket.onmessage = null;
    // Ends the socket when the consumer stops early (it had `complete`, or broke out).
    if (closeCode === 0) socket.close(NORMAL_CLOSE, 'done');
  }
  if (signal.aborted) throw signal.reason;
  if (!opened) throw new StreamOpenFailed(`WebSocket to ${wsBase} for task ${taskId} was not opened (close code ${closeCode})`);
  return closeCode === NORMAL_CLOSE ? 'finished' : 'dropped';
}

/** Server-Sent Events over fetch: works with headers everywhere, no WebSocket needed. */
export async function* sseConnection(http: HttpTransport, taskId: string, after: number, signal: AbortSignal): Connection {
  const url = http.url(fillPath(ROUTES.getTaskEvents.path, { task_id: taskId }) + queryString({ after }));
  const response = await http.fetch(url, { headers: http.headers({ accept: 'text/event-stream' }), signal });
  // 204: the client already has `complete`; nothing more will come.
  if (response.status === 204) return 'finished';
  if (!response.ok) throw await CcsApiError.fromResponse(response);
  if (response.body === null) return 'dropped';
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch {
        if (signal.aborted) throw signal.reason;
        return 'dropped';
      }
      if (chunk.done) return 'dropped';
      buffer += chunk.value.replace(/\r\n?/g, '\n');
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const data = frame
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, ''));
        if (data.length > 0) yield JSON.parse(data.join('\n')) as TaskEvent;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
