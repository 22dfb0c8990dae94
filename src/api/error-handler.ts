import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type ErrorCode } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { QueueFullError } from '../tasks/queue/task-queue.js';
import { StorageUnavailableError as StoreUnreachableError } from '../storage/store.js';
import { StorageUnavailableError } from '../storage/storage-health.js';
import { drainRequestBody, rawErrorResponse } from './http-guards.js';

/** Clients retry a refused submit after this while storage is failing (the probe runs every few seconds). */
const STORAGE_RETRY_AFTER_SECONDS = 10;
/** How much of an oversized body is read and dropped after its 413, as a multiple of the body limit. */
const DRAIN_LIMIT_FACTOR = 64;

/** Fastify's own request errors, mapped onto our catalogue so clients only ever see one shape. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
};

/** Errors Fastify raises before routing (a URL it cannot decode, a path segment too long). */
const URL_ERROR_CODES = new Set(['FST_ERR_BAD_URL', 'FST_ERR_MAX_PARAM_LENGTH']);

export function sendApiError(reply: FastifyReply, error: ApiError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.code(error.status).send(error.toBody());
}

export function toApiError(error: FastifyError | Error): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof QueueFullError) {
    return new ApiError('QUEUE_FULL', undefined, { queued: error.queued, running: error.running }, { 'Retry-After': String(error.retryAfterSeconds) });
  }
  // Redis unreachable, seen directly (a request that bypassed the guard): it knows its own retry delay.
  if (error instanceof StoreUnreachableError) {
    return new ApiError('STORAGE_UNAVAILABLE', error.message, undefined, { 'Retry-After': String(error.retryAfterSeconds) });
  }
  if (error instanceof StorageUnavailableError) {
    return new ApiError(
      error.fault.full ? 'STORAGE_FULL' : 'STORAGE_UNAVAILABLE',
      `${error.fault.full ? 'Storage is full' : 'Storage is unavailable'}; retry later (${error.fault.reason})`,
      undefined,
      {
        'Retry-After': String(STORAGE_RETRY_AFTER_SECONDS),
      },
    );
  }
  const fastifyError = error as FastifyError;
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return new ApiError(mapped, mapped === 'INVALID_JSON' ? `Request body is not valid JSON: ${error.message}` : undefined);
  if (fastifyError.code && URL_ERROR_CODES.has(fastifyError.code)) return new ApiError('BAD_REQUEST', `The URL is not valid: ${error.message}`);
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return new ApiError('INVALID_JSON', `Request body is not valid JSON: ${error.message}`);
  }
  if (fastifyError.statusCode === 413) return new ApiError('BODY_TOO_LARGE');
  if (fastifyError.statusCode === 415) return new ApiError('UNSUPPORTED_MEDIA_TYPE');
  return new ApiError('INTERNAL_ERROR');
}

/**
 * Fastify's `frameworkErrors` option: errors met before routing (bad percent-encoding, an
 * over-long path segment) get the one error shape too, instead of Fastify's own.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('X-Request-Id', request.id);
  void sendApiError(reply, toApiError(error));
}

/**
 * Fastify's `clientErrorHandler` option: a request Node's HTTP parser refuses (an unknown method,
 * raw bytes in the URL, oversized headers) never reaches the app; answer it in the one error
 * shape too, then close the connection as Node would.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // The client did not finish its request in time: answer 408 if nothing was sent on this socket yet.
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    const pending = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !pending?.headersSent) {
      socket.end(rawErrorResponse(new ApiError('REQUEST_TIMEOUT', 'The request was not received in time; the connection is closed'), 'Request Timeout'));
      setTimeout(() => socket.destroy(), 1000).unref();
    } else {
      socket.destroy();
    }
    return;
  }
  // Bytes after a request that is still being answered (e.g. a body sent without a length, which
  // the parser reads as a next request): a second answer would land after a response that said
  // `Connection: close`. That response is the client's answer; the socket closes after it.
  const answering = (socket as Socket & { _httpMessage?: unknown })._httpMessage;
  if (!socket.writable || answering) {
    if (answering) socket.once('finish', () => socket.destroy());
    else socket.destroy();
    return;
  }
  const body = JSON.stringify(new ApiError('BAD_REQUEST', 'The request is not valid HTTP').toBody());
  // An answer to HEAD has no body, or the client would read it as the start of a next response.
  const raw: unknown = (error as { rawPacket?: unknown }).rawPacket;
  const head = Buffer.isBuffer(raw) && raw.subarray(0, 5).toString('latin1') === 'HEAD ';
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`,
  );
}

export function installErrorHandlers(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.code === 'BODY_TOO_LARGE') {
      // Fastify answers at once and closes, which resets a client still sending: read the rest
      // first (bounded), then answer, so every client gets its 413.
      return drainRequestBody(request.raw, (app.initialConfig.bodyLimit ?? 1024 * 1024) * DRAIN_LIMIT_FACTOR).then((whole) => {
        if (whole) reply.removeHeader('connection');
        else reply.header('connection', 'close');
        return sendApiError(reply, apiError);
      });
    }
    if (apiError.status >= 500) {
      logger.error('Request failed', { request_id: request.id, method: request.method, url: request.url, error });
    }
    return sendApiError(reply, apiError);
  });
  app.setNotFoundHandler((request, reply) => sendApiError(reply, new ApiError('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`)));
}
