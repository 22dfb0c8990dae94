import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import { sendApiError } from './error-handler.js';

const PUBLIC_PATHS = new Set(['/health']);

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Comparing digests keeps the comparison constant-time even when the lengths differ. */
export function keysMatch(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = request.headers.authorization;
  const match = typeof authorization === 'string' ? /^Bearer\s+(.+)$/i.exec(authorization) : null;
  return match?.[1]?.trim();
}

/** Every route but /health needs the key, the WebSocket included (checked before the upgrade). */
export function installApiKeyAuth(app: FastifyInstance, apiKey: string): void {
  app.addHook('onRequest', async (request, reply) => {
    if (PUBLIC_PATHS.has(request.url.split('?')[0] ?? '')) return;
    const key = presentedKey(request);
    if (key === undefined || !keysMatch(key, apiKey)) {
      return sendApiError(reply.header('WWW-Authenticate', 'Bearer'), new ApiError('UNAUTHORIZED'));
    }
  });
}
