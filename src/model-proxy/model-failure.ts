import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../errors.js';

/** Why the proxy gave up on a model request of a task; the executor ends the task with `code`. */
export interface ModelFailure {
  code: Extract<ErrorCode, 'MODEL_UNAVAILABLE' | 'MODEL_RATE_LIMITED' | 'MODEL_STALLED'>;
  message: string;
  /** The model API's last HTTP status, or null when it never answered (connection failure, stall). */
  upstream_status: number | null;
}

export type ModelFailureListener = (taskId: string, failure: ModelFailure) => void;

/**
 * An answer written by the proxy itself, in the API's error shape so the CLI reports it
 * plainly. `x-should-retry: false` stops the CLI from retrying on top of the proxy's own
 * retries (it honours the header, measured with CLI 2.1.x).
 */
export function sendProxyError(res: ServerResponse, status: number, type: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', 'x-should-retry': 'false' });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}
