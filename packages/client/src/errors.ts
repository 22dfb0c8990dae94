import { ERROR_CODES, type ErrorCode } from './types.js';

/**
 * The server answered with an error. `code` is the server's stable code (see the error table in docs/api.md),
 * `status` the HTTP status, `requestId` the `X-Request-Id` the server logged it under.
 * A non-JSON answer (a proxy's error page, say) gets the code `HTTP_<status>`.
 */
export class CcsApiError extends Error {
  override readonly name = 'CcsApiError';

  constructor(
    readonly code: ErrorCode | `HTTP_${number}`,
    message: string,
    readonly status: number,
    readonly requestId: string | null,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** True for answers that can succeed when asked again later (overload, shutdown, rate limit). */
  get retryable(): boolean {
    return this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504;
  }

  /** Builds the error from a failed response; reads its body. */
  static async fromResponse(response: Response): Promise<CcsApiError> {
    const requestId = response.headers.get('x-request-id');
    const text = await response.text().catch(() => '');
    const parsed = parseErrorBody(text);
    if (parsed) return new CcsApiError(parsed.code, parsed.message, response.status, requestId, parsed.details);
    const message = text.trim().slice(0, 200) || response.statusText || `HTTP ${response.status}`;
    return new CcsApiError(`HTTP_${response.status}`, message, response.status, requestId);
  }
}

function parseErrorBody(text: string): { code: ErrorCode; message: string; details?: unknown } | undefined {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const error = body.error;
    if (typeof error?.code !== 'string' || !(ERROR_CODES as readonly string[]).includes(error.code)) return undefined;
    return { code: error.code as ErrorCode, message: typeof error.message === 'string' ? error.message : error.code, details: error.details };
  } catch {
    return undefined;
  }
}

/** The server could not be reached, or the connection broke before an answer. */
export class CcsConnectionError extends Error {
  override readonly name = 'CcsConnectionError';

  constructor(
    message: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Whether retrying later can help: connection problems and the API's transient statuses. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof CcsApiError) return error.retryable;
  return error instanceof CcsConnectionError;
}
