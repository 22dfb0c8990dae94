import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { toApiError } from './error-mapping.js';
import { drainRequestBody, rawErrorResponse } from './http-guards.js';

/** How much of an oversized body is read and dropped after its 413, as a multiple of the body limit. */
const DRAIN_LIMIT_FACTOR = 64;

export function sendApiError(reply: FastifyReply, error: ApiError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.code(error.status).send(error.toBody());
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
