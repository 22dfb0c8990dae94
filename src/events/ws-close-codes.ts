/**
 * How the server closes a task's event WebSocket, in codes clients can act on (documented in
 * docs/api.md). Shared by the route that streams and the shutdown that ends every stream.
 */
export const WS_CLOSE = {
  COMPLETE: 1000,
  SERVER_SHUTDOWN: 1001,
  INTERNAL_ERROR: 1011,
  /** The client stopped reading; reconnect with ?after=<last seq received>. */
  SLOW_CONSUMER: 4008,
} as const;
