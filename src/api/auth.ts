import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import type { Tenant } from '../tenancy/tenant.js';
import type { TenantRegistry } from '../tenancy/tenant-registry.js';
import type { WsTickets } from '../tenancy/ws-tickets.js';
import { sendApiError } from './error-handler.js';
import { isPublicUiPath } from './routes/ui.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; the default tenant when auth is off. Set before any route runs. */
    tenant: Tenant;
  }
}

const PUBLIC_PATHS = new Set(['/health']);
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
  app.addHook('onRequest', async (request, reply) => {
    request.tenant = registry.defaultTenant;
    const path = request.url.split('?')[0] ?? '';
    if (!options.enabled || PUBLIC_PATHS.has(path) || isPublicUiPath(path)) return;

    const key = presentedKey(request);
    const ticket = path.startsWith(WEBSOCKET_PREFIX) ? ticketParam(request) : undefined;
    const tenant = key !== undefined ? registry.identify(key) : ticket !== undefined ? registry.get((await tickets.redeem(ticket)) ?? '') : null;
    if (!tenant) {
      const message = ticket !== undefined && key === undefined ? 'WebSocket ticket is unknown, used or expired' : undefined;
      return sendApiError(reply.header('WWW-Authenticate', 'Bearer'), new ApiError('UNAUTHORIZED', message));
    }
    request.tenant = tenant;
  });
}
