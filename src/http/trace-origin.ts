import type { FastifyRequest } from 'fastify';
import type { TaskOrigin } from '../tasks/task-service.js';

/** The caller's W3C `traceparent` header, for whichever door a task comes in by: its span becomes the task's parent. */
export function traceOriginOf(request: FastifyRequest): TaskOrigin | undefined {
  const { traceparent } = request.headers;
  return typeof traceparent === 'string' ? { traceparent } : undefined;
}
