import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import type { Tenant } from '../tenancy/tenant.js';
import type { TenantRegistry } from '../tenancy/tenant-registry.js';
import type { WsTickets } from '../tenancy/ws-tickets.js';
import { sendApiError } from './error-handler.js';
import { isTriggerFirePath } from './routes/triggers.js';
import { isPublicUiPath } from './routes/ui.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; the default tenant when auth is off. Set before any route runs. */
    tenant: Tenant;
  }
}

// The A2A agent card tells a client how to authenticate, so it cannot itself need a key.
const PUBLIC_PATHS = new Set(['/health', '/.well-known/agent-card.json']);
const WEBSOCKET_PREFIX = '/ws/';

export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = request.headers.authorization;
  const match = typeof authorization === 'string' ? /^Bearer\s+(.+)$/i.exec(authorization) : null;
  return match?.[1]?.trim();
}

function ticketParam(request: FastifyRequest): string | undefined {
  const ticket = (request.query as Record<string, unknown> | undefined)?.ticket;
  return typeof ticket === 'string' && ticket !== '' ? ticket : undefined;
}

/**
 * Works out every request's tenant. With auth on, every route but /health needs a key (sent as
 * X-API-Key or Authorization: Bearer) — the WebSocket too, checked before the upgrade, where a
 * browser may instead present a single-use ticket from POST /api/v1/ws-tickets.
 */
export function installAuth(app: FastifyInstance, options: { enabled: boolean; registry: TenantRegistry; tickets: WsTickets }): void {
  const { registry, tickets } = options;
  app.decorateRequest('tenant', null as unknown as Tenant);
  // Callback style: no promise per request on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    request.tenant = registry.defaultTenant;
    if (!options.enabled) return done();
    const url = request.url;
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (PUBLIC_PATHS.has(path) || isPublicUiPath(path)) return done();
    // A trigger's own token is its key: the route checks it (a tenant key opens nothing there).
    if (request.method === 'POST' && isTriggerFirePath(path)) return done();

    const key = presentedKey(request);
    const ticket = key === undefined && path.startsWith(WEBSOCKET_PREFIX) ? ticketParam(request) : undefined;
    const admit = (tenant: Tenant | null | undefined): void => {
      if (!tenant) {
        const message = ticket !== undefined ? 'WebSocket ticket is unknown, used or expired' : undefined;
        // Answered here: the request goes no further (done is not called).
        sendApiError(reply.header('WWW-Authenticate', 'Bearer'), new ApiError('UNAUTHORIZED', message));
        return;
      }
      request.tenant = tenant;
      done();
    };
    if (ticket === undefined) return admit(key !== undefined ? registry.identify(key) : null);
    // Tickets may live in Redis (shared by every instance): only this path waits on I/O.
    tickets.redeem(ticket).then(
      (tenantId) => admit(registry.get(tenantId ?? '')),
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    );
  });
}
