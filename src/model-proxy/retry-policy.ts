import type { ModelFailure } from './model-failure.js';

export interface RetrySettings {
  /** Attempts per model request, the first included (MODEL_RETRY_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** No retry starts later than this after the first attempt (MODEL_RETRY_BUDGET_SECONDS). */
  budgetMs: number;
  /** Back-off before the first retry, doubled for each further one (MODEL_RETRY_BASE_DELAY_MS). */
  baseDelayMs: number;
  /** Cap of the exponential back-off (MODEL_RETRY_MAX_DELAY_MS); `retry-after` may ask for more, within the budget. */
  maxDelayMs: number;
}

/** Statuses that say "try again later": overload (529), rate limit (429) and gateway trouble. */
const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504, 529]);

/** Whether a response status is worth another attempt. The API's `x-should-retry` header wins when it says false. */
export function isTransientStatus(status: number, shouldRetryHeader: string | undefined): boolean {
  if (shouldRetryHeader === 'false') return false;
  return TRANSIENT_STATUSES.has(status);
}

/** Connection failures before any byte of the response arrived: the request can be sent again safely. */
const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

export function isTransientNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return true;
  // Node reports a peer that closed before answering as "socket hang up" with ECONNRESET, but not always with the code.
  return error instanceof Error && /socket hang up/i.test(error.message);
}

/** The task-level code for a model request that failed for good with this upstream status (null: no response). */
export function failureCodeFor(status: number | null): ModelFailure['code'] {
  return status === 429 ? 'MODEL_RATE_LIMITED' : 'MODEL_UNAVAILABLE';
}

/**
 * `retry-after` in seconds or as an HTTP date, also the API's `retry-after-ms`; null when
 * absent or unreadable. Negative waits (a date in the past) become 0.
 */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>, now: number): number | null {
  const ms = single(headers['retry-after-ms']);
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const value = single(headers['retry-after'])?.trim();
  if (value === undefined || value === '') return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Exponential back-off with full jitter (a random wait between 0 and the capped exponential),
 * so that many tasks hit by the same overload do not come back in lockstep. A `retry-after`
 * from the API replaces it: the server knows best when it will have room again.
 */
export function backoffMs(retryNumber: number, settings: RetrySettings, retryAfter: number | null, random: () => number = Math.random): number {
  if (retryAfter !== null) return retryAfter;
  const exponential = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, retryNumber - 1));
  return Math.floor(random() * exponential);
}

/**
 * Whether another attempt fits: attempts left, and its wait ends within the budget. A wait that
 * would end past the budget is not started at all: better to fail now than after a pointless wait.
 */
export function mayRetry(attemptsMade: number, startedAt: number, now: number, waitMs: number, settings: RetrySettings): boolean {
  if (attemptsMade >= settings.maxAttempts) return false;
  return now + waitMs - startedAt <= settings.budgetMs;
}
