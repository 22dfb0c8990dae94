import type { ModelUsage } from './model-prices.js';

/** One model call as the credential proxy relays it (tracing watches these). */
export interface ObservedModelCall {
  /** The upstream answered with `status`; for a 2xx, what the answer said it used and cost. */
  answered(status: number, model: string | null, usage: ModelUsage | null, costUsd: number): void;
  /** The proxy gave up on the call (its failure code and message). */
  failed(code: string, message: string): void;
  /** The call is over, however it went. */
  end(): void;
}

export interface ModelCallObserver {
  /** A Messages API call starts for a task; null when nobody watches it. */
  begin(taskId: string, requestBody: Buffer): ObservedModelCall | null;
}
