import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '../observability/logger.js';
import { UNMATCHED_ROUTE, type Metrics } from '../observability/metrics.js';
import { installClientProtocolMetrics } from './client-protocol-metrics.js';

/** The URL without its query string (the access log never records query values). */
function pathOf(request: FastifyRequest): string {
  const url = request.url;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Per-request observability: the `X-Request-Id` answer header, then, once answered, one
 * "Request handled" access-log line (INFO) and the HTTP metrics. One callback-style hook each
 * (no promise per request) rather than one hook per concern.
 *
 * Metrics count a request under its route pattern (`/api/v1/tasks/:task_id`), never the raw
 * URL, so ids and random paths cannot blow up the label set.
 */
export function installRequestObservability(app: FastifyInstance, logger: Logger, metrics: Metrics): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const method = request.method;
    const statusCode = reply.statusCode;
    const elapsedMs = reply.elapsedTime;
    logger.info('Request handled', {
      request_id: request.id,
      method,
      path: pathOf(request),
      status_code: statusCode,
      duration_ms: Math.round(elapsedMs),
    });
    // A request that matched no route is answered by the not-found handler, whose routeOptions has no url.
    const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
    metrics.recordHttpRequest(method, route, statusCode, elapsedMs / 1000);
    done();
  });
  installClientProtocolMetrics(app, metrics);
}
