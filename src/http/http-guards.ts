import type { IncomingMessage, Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError } from '../errors.js';

export interface HttpLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnections: number;
}

/**
 * Node's slow-client timers, for Fastify's `http` and `requestTimeout` options. Node checks them
 * every `connectionsCheckingInterval` (30 s by default, which made a 60 s header timeout cut
 * after about 90 s); checking every few seconds cuts a slow sender close to its limit.
 */
export function slowClientOptions(limits: HttpLimits): { http: ServerOptions; requestTimeout: number } {
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    http: { headersTimeout, connectionsCheckingInterval: Math.max(250, Math.min(5000, Math.floor(headersTimeout / 4))) },
    requestTimeout: limits.requestTimeoutMs,
  };
}

/** A raw HTTP/1.1 answer for a socket the app never sees; the connection is closed after it. */
export function rawErrorResponse(error: ApiError, statusText: string, withBody = true): string {
  const body = JSON.stringify(error.toBody());
  const extra = Object.entries(error.headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (
    `HTTP/1.1 ${error.status} ${statusText}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${withBody ? body : ''}`
  );
}

/** How long a refused connection is read from (so the client gets the answer, not a reset). */
const REFUSED_LINGER_MS = 2000;

/**
 * Caps open client connections. Node's own `maxConnections` drops the excess silently (the client
 * sees a reset); here the excess gets 503 TOO_MANY_CONNECTIONS with Retry-After, and what it sends
 * meanwhile is read and dropped before the socket closes, so the answer is not lost to a reset.
 */
export function installConnectionCap(server: Server, maxConnections: number, onRefused: () => void = () => undefined): { open(): number } {
  let open = 0;
  // Node's HTTP handling is itself a 'connection' listener: wrap it, so a refused socket never reaches it.
  const handlers = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    if (open >= maxConnections) {
      onRefused();
      refuse(socket);
      return;
    }
    open++;
    socket.once('close', () => open--);
    for (const handler of handlers) handler.call(server, socket);
  });
  return { open: () => open };
}

function refuse(socket: Socket): void {
  socket.on('error', () => undefined);
  const error = new ApiError('TOO_MANY_CONNECTIONS', 'The server has too many open connections; retry shortly', undefined, { 'Retry-After': '1' });
  socket.end(rawErrorResponse(error, 'Service Unavailable'));
  socket.resume();
  setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
}

/**
 * After a 413 the rest of the body is still on its way. Answering (and closing) at once makes
 * many clients see EPIPE or ECONNRESET instead of the answer, and a client that asked for
 * `Connection: close` drops its own socket on the answer while still sending. So the rest is
 * read and dropped first, up to `capBytes`; resolves true once the body has been read whole
 * (answer, and the connection stays usable), false if it went past the cap or the connection
 * ended (answer and close). The request timeout bounds how long this can take.
 */
export function drainRequestBody(request: IncomingMessage, capBytes: number): Promise<boolean> {
  if (request.readableEnded) return Promise.resolve(true);
  if (request.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    let drained = 0;
    const finish = (whole: boolean): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onClose);
      resolve(whole);
    };
    const onData = (chunk: Buffer): void => {
      drained += chunk.length;
      if (drained > capBytes) finish(false);
    };
    const onEnd = (): void => finish(true);
    const onClose = (): void => finish(request.readableEnded);
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('close', onClose);
    request.on('error', () => undefined);
    request.resume();
  });
}
