import type { FastifyError } from 'fastify';
import { ApiError, DomainError, type ErrorCode } from '../errors.js';

/** Fastify's own request errors, mapped onto our catalogue so clients only ever see one shape. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
};

/**
 * The answer to a body that is not JSON, without the parser's quote of the body: V8 quotes up to
 * ten characters either side of the bad token (`..."{"value": sk-secret-"... is not valid JSON`),
 * and a malformed `POST /api/v1/secrets` would echo part of its own secret back, into whatever logs
 * the answer on its way. What is left says what was wrong (and where, when the parser said).
 */
export function invalidJsonMessage(parserMessage: string): string {
  const detail = parserMessage.replace(/,? *(\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, '').trim();
  return detail === '' ? 'Request body is not valid JSON' : `Request body is not valid JSON: ${detail}`;
}

/** Errors Fastify raises before routing (a URL it cannot decode, a path segment too long). */
const URL_ERROR_CODES = new Set(['FST_ERR_BAD_URL', 'FST_ERR_MAX_PARAM_LENGTH']);

/**
 * The one place an error becomes an HTTP answer: a domain error keeps its code, message and
 * details, gets its status from the catalogue and its retry hint as Retry-After; Fastify's own
 * errors are mapped onto the catalogue; anything else is a 500.
 */
export function toApiError(error: FastifyError | Error): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DomainError) {
    const headers: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(error.retryAfterSeconds) };
    return new ApiError(error.code, error.message, error.details, headers);
  }
  const fastifyError = error as FastifyError;
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return new ApiError(mapped, mapped === 'INVALID_JSON' ? invalidJsonMessage(error.message) : undefined);
  if (fastifyError.code && URL_ERROR_CODES.has(fastifyError.code)) return new ApiError('BAD_REQUEST', `The URL is not valid: ${error.message}`);
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return new ApiError('INVALID_JSON', invalidJsonMessage(error.message));
  }
  if (fastifyError.statusCode === 413) return new ApiError('BODY_TOO_LARGE');
  if (fastifyError.statusCode === 415) return new ApiError('UNSUPPORTED_MEDIA_TYPE');
  return new ApiError('INTERNAL_ERROR');
}
