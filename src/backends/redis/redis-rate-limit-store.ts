import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { StorageUnavailableError } from '../../storage/store.js';
import { LuaScript } from './lua-script.js';
import type { RedisConnection } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';

/** A fixed window: the first hit starts it with a TTL, later hits count within it. */
const INCREMENT = LuaScript.load('rate-limit-increment');

/**
 * @fastify/rate-limit's own Redis store speaks ioredis (defineCommand); this one is the same
 * fixed-window counter on node-redis, so every instance draws on one budget per caller. When
 * Redis is down a request is refused with 503 STORAGE_UNAVAILABLE (rather than let through
 * unmetered), like every other request that needs Redis.
 */
export function redisRateLimitStore(connection: RedisConnection): FastifyRateLimitStoreCtor {
  const keys = new RedisKeys(connection.prefix);
  const make = (route: string): FastifyRateLimitStore => ({
    incr(key, callback, timeWindow) {
      connection
        .run((c) => INCREMENT.run(c, [keys.rateLimit(`${route}${key}`)], [String(timeWindow)]))
        .then((reply) => {
          const [current, ttl] = reply as [number, number];
          callback(null, { current: Number(current), ttl: Number(ttl) });
        })
        .catch((error: unknown) => {
          callback(error instanceof StorageUnavailableError ? error : new StorageUnavailableError(String(error)));
        });
    },
    child(routeOptions) {
      return make(`${routeOptions.method}${routeOptions.url}:`);
    },
  });
  return class {
    constructor() {
      return make('');
    }
  } as unknown as FastifyRateLimitStoreCtor;
}
