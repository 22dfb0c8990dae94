import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Config } from '../../config.js';
import type { Logger } from '../../observability/logger.js';
import { RedisTranscriptStore } from './redis-transcript-store.js';
import { RedisConnection } from './redis-connection.js';
import { RedisEventBus } from './redis-event-bus.js';
import { redisRateLimitStore } from './redis-rate-limit-store.js';
import { RedisStore, type RedisStoreOptions } from './redis-store.js';
import { RedisTicketStore } from './redis-ws-tickets.js';

/** Everything an instance keeps in Redis with STORAGE_TYPE=redis, over one shared connection. */
export interface RedisBackend {
  connection: RedisConnection;
  store: RedisStore;
  bus: RedisEventBus;
  tickets: RedisTicketStore;
  /** For @fastify/rate-limit's `store` option: one budget per caller across instances. */
  rateLimitStore: FastifyRateLimitStoreCtor;
  transcripts: RedisTranscriptStore;
  close(): Promise<void>;
}

export function redisSettingsOf(config: Config): {
  url: string | undefined;
  host: string;
  port: number;
  prefix: string;
} {
  return { url: config.storage.redisUrl, host: config.storage.redisHost, port: config.storage.redisPort, prefix: config.storage.redisPrefix };
}

/** Connects (waiting for Redis if it is not up yet) and builds the Redis-backed parts. */
export async function openRedisBackend(config: Config, logger: Logger, storeOptions: RedisStoreOptions = {}): Promise<RedisBackend> {
  const redisLogger = logger.child('redis');
  const connection = await RedisConnection.open(redisSettingsOf(config), redisLogger);
  try {
    const bus = await RedisEventBus.open(connection, redisLogger);
    return {
      connection,
      store: new RedisStore(connection, storeOptions),
      bus,
      tickets: new RedisTicketStore(connection),
      rateLimitStore: redisRateLimitStore(connection),
      // Transcripts outlive their tasks by as long as tasks are kept.
      transcripts: new RedisTranscriptStore(connection, Date.now, config.tasks.retentionDays * 86_400),
      close: async () => {
        await bus.close();
        await connection.close();
      },
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

/** STORAGE_REDIS_URL and its password, for the redactor: a connection string must never reach logs or events. */
export function redisSecrets(config: Pick<Config, 'storage'>): string[] {
  const url = config.storage.redisUrl;
  if (url === undefined) return [];
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === '' ? [url] : [url, password];
  } catch {
    return [url];
  }
}
