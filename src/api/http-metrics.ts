import type { FastifyInstance } from 'fastify';
import { UNMATCHED_ROUTE, type Metrics } from '../observability/metrics.js';

/**
 * Counts every answered request under its route pattern (`/api/v1/tasks/:task_id`), never the
 * raw URL, so ids and random paths cannot blow up the label set.
 */
export function installHttpMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    // A request that matched no route is answered by the not-found handler, whose routeOptions has no url.
    const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
    metrics.recordHttpRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
}
