import type { Socket } from 'node:net';

/**
 * How long a connection the server makes for an agent (its MCP servers through the relay, its
 * allowlisted hosts through the egress proxy) may take to be accepted. An address that drops
 * SYNs would otherwise hold the agent's request for the kernel's two minutes of retries, and the
 * agent would learn only that it timed out itself, not why.
 */
export const CONNECT_TIMEOUT_MS = 10_000;

/** The error a socket still connecting after its time is destroyed with. */
function connectTimedOut(ms: number): NodeJS.ErrnoException {
  return Object.assign(new Error(`connect timed out after ${ms} ms`), { code: 'ETIMEDOUT' });
}

/** Destroys `socket` with ETIMEDOUT unless it connects within `ms`; nothing once it has connected. */
export function limitConnect(socket: Socket, ms: number): void {
  if (!socket.connecting) return;
  const timer = setTimeout(() => socket.destroy(connectTimedOut(ms)), ms);
  timer.unref();
  const done = () => clearTimeout(timer);
  socket.once('connect', done);
  socket.once('close', done);
}

/**
 * The status for a target the server could not reach for an agent: 504 when it never accepted the
 * connection in time, 502 for any other failure, so the agent can tell a host that is down from
 * one that drops its connections.
 */
export function unreachableStatus(error: NodeJS.ErrnoException): 502 | 504 {
  return error.code === 'ETIMEDOUT' ? 504 : 502;
}
