import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UNMATCHED_ROUTE, type Metrics } from '../observability/metrics.js';

/**
 * Counts REST requests that an open-protocol bridge running outside the server (`ccs acp`) sends
 * on behalf of its editor: they carry `X-Client-Protocol: acp` and land in
 * protocol_requests_total{protocol="acp", operation="<METHOD> <route>", outcome="ok" | <error code>}.
 * Only known protocol names count, and the operation is the route pattern, so a client cannot
 * invent label values.
 */

const BRIDGED_PROTOCOLS = new Set(['acp']);
const errorCodes = new WeakMap<FastifyRequest, string>();

function protocolOf(request: FastifyRequest): string | undefined {
  const value = request.headers['x-client-protocol'];
  return typeof value === 'string' && BRIDGED_PROTOCOLS.has(value) ? value : undefined;
}

/** The stable code of an error answer ({"error": {"code": …}}), read only for counted requests. */
function errorCodeOf(payload: unknown): string | undefined {
  if (typeof payload !== 'string') return undefined;
  try {
    const code = (JSON.parse(payload) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' && /^[A-Z_0-9]{1,64}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

export function installClientProtocolMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode >= 400 && protocolOf(request) !== undefined) errorCodes.set(request, errorCodeOf(payload) ?? `HTTP_${reply.statusCode}`);
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const protocol = protocolOf(request);
    if (protocol !== undefined) {
      const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
      const outcome = reply.statusCode < 400 ? 'ok' : (errorCodes.get(request) ?? `HTTP_${reply.statusCode}`);
      metrics.protocolRequests.inc({ protocol, operation: `${request.method} ${route}`, outcome });
    }
    done();
  });
}
