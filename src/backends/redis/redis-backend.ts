import type { Config } from '../../config.js';
import type { Logger } from '../../observability/logger.js';
import type { QueueLimits } from '../../tasks/queue/task-queue.js';
import type { Backend, BackendOptions } from '../backend.js';
import { RedisConnection, type RedisSettings } from './redis-connection.js';
import { RedisEventBus } from './redis-event-bus.js';
import { redisRateLimitStore } from './redis-rate-limit-store.js';
import { RedisScheduleStore } from './redis-schedule-store.js';
import { RedisStore } from './redis-store.js';
import { RedisTaskQueue } from './redis-task-queue.js';
import { redisUidAllocator } from './redis-tenant-uids.js';
import { RedisTranscriptStore } from './redis-transcript-store.js';
import { RedisTicketStore } from './redis-ws-tickets.js';
import { RedisTriggerStore } from './redis-trigger-store.js';
import { RedisSecretStore } from './redis-secret-store.js';

export function redisSettingsOf(config: Config): RedisSettings {
  return {
    url: config.storage.redisUrl,
    host: config.storage.redisHost,
    port: config.storage.redisPort,
    prefix: config.storage.redisPrefix,
    clientName: `${config.storage.redisPrefix}:${config.instanceId}`,
  };
}

/**
 * STORAGE_TYPE=redis: every part over the instance's one connection, and the event bus and the
 * queue's control channel over its one subscribed connection. Connects (waiting for Redis if it
 * is not up yet) before anything is built.
 */
export async function openRedisBackend(config: Config, logger: Logger, limits: QueueLimits, options: BackendOptions = {}): Promise<Backend> {
  const connection = await RedisConnection.open(redisSettingsOf(config), logger.child('redis'));
  try {
    const bus = await RedisEventBus.open(connection, logger.child('redis'));
    const store = new RedisStore(connection, options.fenceFor ? { fenceFor: options.fenceFor } : {});
    const queue = new RedisTaskQueue(connection, limits);
    return {
      kind: 'redis',
      store,
      bus,
      queue,
      tickets: new RedisTicketStore(connection),
      rateLimitStore: redisRateLimitStore(connection),
      uids: redisUidAllocator(connection),
      schedules: new RedisScheduleStore(connection),
      triggers: new RedisTriggerStore(connection),
      secrets: new RedisSecretStore(connection),
      // Transcripts outlive their tasks by as long as tasks are kept.
      transcripts: new RedisTranscriptStore(connection, Date.now, config.tasks.retentionDays * 86_400),
      health: () => connection.health(),
      close: async () => {
        await queue.close();
        await bus.close();
        await store.close();
        await connection.close();
      },
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}
