import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { SharedUidAllocator } from '../agent/isolation/tenant-uids.js';
import type { Config } from '../config.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../observability/logger.js';
import { createStore } from '../storage/create-store.js';
import { openRedisBackend } from '../storage/redis/redis-backend.js';
import { redisUidAllocator } from '../storage/redis/redis-tenant-uids.js';
import type { Store } from '../storage/store.js';
import { createTranscriptStore, type TranscriptStore } from '../storage/transcripts/create-transcript-store.js';
import { TicketStore, type WsTickets } from '../tenancy/ws-tickets.js';

/** Everything kept in the configured storage (STORAGE_TYPE), for this instance or shared by many. */
export interface OpenedStorage {
  kind: Config['storage']['type'];
  /** Unguarded: the storage module puts StorageHealth in front of it. */
  store: Store;
  transcripts: TranscriptStore;
  tickets: WsTickets;
  /** Wake-ups for events appended by other instances; null on a single instance. */
  bus: EventBus | null;
  /** One rate-limit budget per caller across instances; null keeps it in this process. */
  rateLimitStore: FastifyRateLimitStoreCtor | null;
  /** Tenant uids agreed between instances; null when this instance assigns them alone. */
  uids: SharedUidAllocator | null;
  /** Whether the storage server can be reached (always up without one). */
  connection(): { up: boolean; reason: string | null };
  close(): Promise<void>;
}

/** The one place the server picks its storage by STORAGE_TYPE. */
export async function openStorage(
  config: Config,
  logger: Logger,
  options: { fenceFor: (taskId: string) => string | null; store?: Store },
): Promise<OpenedStorage> {
  const redis = config.storage.type === 'redis' && options.store === undefined ? await openRedisBackend(config, logger, { fenceFor: options.fenceFor }) : null;
  const store = options.store ?? redis?.store ?? createStore({ type: config.storage.type, sqliteFile: config.storage.sqlitePath });
  // With Redis, transcripts live there too, so a session resumes on any instance.
  const ownTranscripts = redis ? null : createTranscriptStore({ type: config.storage.type, sqliteFile: config.storage.sqlitePath });
  return {
    kind: config.storage.type,
    store,
    transcripts: redis?.transcripts ?? ownTranscripts!,
    tickets: redis?.tickets ?? new TicketStore(),
    bus: redis?.bus ?? null,
    rateLimitStore: redis?.rateLimitStore ?? null,
    uids: redis ? redisUidAllocator(redis.connection) : null,
    connection: () => redis?.connection.health() ?? { up: true, reason: null },
    close: async () => {
      await store.close();
      await ownTranscripts?.close();
      await redis?.close();
    },
  };
}
