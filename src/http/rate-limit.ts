import { createHash } from 'node:crypto';
import rateLimit, { normalizeIP, type RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import type { TenantRegistry } from '../tenancy/tenant-registry.js';
import { presentedKey } from './auth.js';
import { sendApiError } from './error-handler.js';
import { isPublicUiPath } from './routes/ui.js';

/** Never limited: load balancers and orchestrators poll it. */
const EXEMPT_PATHS = new Set(['/health']);

const WINDOW_MS = 60_000;

/**
 * Where the counters live. Empty: in this process (one server). For several servers sharing
 * one budget, pass the library's `redis` client (with an optional `nameSpace`) or a custom
 * `store`; nothing else changes.
 */
export type RateLimitBackend = Pick<RateLimitPluginOptions, 'redis' | 'nameSpace' | 'store' | 'skipOnError'>;

export interface RateLimitSettings {
  perMinute: number;
  /**
   * The caller's identity when it presented a key the server accepts; undefined otherwise. Such
   * callers get a budget of their own; everyone else shares the budget of their IP address. An
   * unverified key is never a bucket of its own, or sending a fresh random key each time would
   * dodge the limit (and guessing keys would go unthrottled).
   */
  identify: (request: FastifyRequest) => string | undefined;
  backend?: RateLimitBackend;
}

/** The caller's identity for rate limiting: the presented key, if the server accepts it. */
export function verifiedApiKey(registry: TenantRegistry | undefined): (request: FastifyRequest) => string | undefined {
  return (request) => {
    if (registry === undefined) return undefined;
    const key = presentedKey(request);
    return key !== undefined && registry.identify(key) !== null ? key : undefined;
  };
}

/** The store key: a hash of the caller's key (never the key itself), or its IP address. */
export function rateLimitKey(request: FastifyRequest, identify: RateLimitSettings['identify']): string {
  const identity = identify(request);
  if (identity !== undefined) return `key:${createHash('sha256').update(identity).digest('hex')}`;
  return `ip:${normalizeIP(request.ip)}`;
}

/**
 * API_RATE_LIMIT_PER_MINUTE requests per caller per fixed one-minute window, for every route
 * but /health, the WebSocket upgrade and unknown routes included. Installed as an app-wide
 * `onRequest` hook ahead of authentication, so requests with a wrong key are throttled too.
 * Answers: `x-ratelimit-limit`, `x-ratelimit-remaining`, `x-ratelimit-reset` (seconds) on
 * every limited route; past the limit 429 `RATE_LIMITED` with `Retry-After` (seconds).
 */
export async function installRateLimit(app: FastifyInstance, settings: RateLimitSettings): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    max: settings.perMinute,
    timeWindow: WINDOW_MS,
    keyGenerator: (request) => rateLimitKey(request, settings.identify),
    ...settings.backend,
  });
  const check = app.createRateLimit();
  app.addHook('onRequest', async (request, reply) => {
    const urlPath = request.url.split('?')[0] ?? '';
    // The dashboard's own static files: one page load fetches several, and they are cheap.
    if (EXEMPT_PATHS.has(urlPath) || isPublicUiPath(urlPath)) return;
    const outcome = await check(request);
    if (outcome.isAllowed) return;
    reply.header('x-ratelimit-limit', outcome.max);
    reply.header('x-ratelimit-remaining', outcome.remaining);
    reply.header('x-ratelimit-reset', outcome.ttlInSeconds);
    if (!outcome.isExceeded) return;
    reply.header('Retry-After', String(Math.max(1, outcome.ttlInSeconds)));
    return sendApiError(
      reply,
      new ApiError('RATE_LIMITED', `Rate limit exceeded: ${outcome.max} requests per minute; retry in ${Math.max(1, outcome.ttlInSeconds)} s`),
    );
  });
}
