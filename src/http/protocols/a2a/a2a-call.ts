import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../../errors.js';
import { invalidJsonMessage } from '../../error-mapping.js';
import { lastEventIdSchema } from '../../schemas.js';
import type { Services } from '../../../server/services.js';
import { A2aError, toA2aError } from './a2a-errors.js';
import type { A2aCall } from './a2a-operations.js';
import { traceOriginOf } from '../../trace-origin.js';

/** A request's call context; its signal ends with the client's connection. */
export function callOf(services: Services, request: FastifyRequest, reply: FastifyReply): A2aCall {
  const gone = new AbortController();
  reply.raw.on('close', () => gone.abort());
  return { services, tenant: request.tenant, signal: gone.signal, origin: traceOriginOf(request) };
}

/** Counts one A2A request in protocol_requests_total, by operation and outcome (ok or our error code). */
export function countRequest(services: Services, operation: string, error?: unknown): void {
  services.metrics.protocolRequests.inc({ protocol: 'a2a', operation, outcome: error === undefined ? 'ok' : toA2aError(error).code });
}

/** Where a resubscribing client left off: the Last-Event-ID header (the seq of the last frame it got). */
export function lastEventIdOf(request: FastifyRequest): number | undefined {
  const header = request.headers['last-event-id'];
  if (typeof header !== 'string' || header === '') return undefined;
  try {
    return lastEventIdSchema.parse(header);
  } catch {
    throw new A2aError('InvalidParams', 'Last-Event-ID must be the seq of the last frame received', 'VALIDATION_ERROR');
  }
}

/** Fastify's own refusals (a body that is not JSON, too large) as our error, for the A2A error shapes. */
export function frameworkError(error: unknown): unknown {
  const status = (error as { statusCode?: number }).statusCode;
  if (error instanceof A2aError || !(error instanceof Error) || status === undefined) return error;
  if (status === 413) return new ApiError('BODY_TOO_LARGE');
  if (status === 415) return new ApiError('UNSUPPORTED_MEDIA_TYPE');
  if (status === 400) return new A2aError('ParseError', invalidJsonMessage(error.message), 'INVALID_JSON');
  return error;
}
