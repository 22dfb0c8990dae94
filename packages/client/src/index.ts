/**
 * The typed client for Claude Code Server: `import { CcsClient } from '@claude-code-server/client'`
 * (inside this repository also `claude-code-server/client`). No runtime dependency in browsers;
 * in Node 20 (no global WebSocket) it loads `ws`, an optional peer dependency, on demand.
 */
export { CcsClient, type CcsClientOptions, type RunOptions } from './client.js';
export { CcsApiError, CcsConnectionError, isRetryable } from './errors.js';
export type { ReconnectInfo, StreamOptions, StreamTransport } from './event-stream.js';
export type { HttpOptions, RequestOptions } from './http.js';
export { ROUTES, type ArgsOf, type OperationId, type RequestOperationId, type ResponseOf, type Route } from './routes.js';
export type { WebSocketConstructor, WebSocketLike } from './stream-connections.js';
export * from './types.js';
