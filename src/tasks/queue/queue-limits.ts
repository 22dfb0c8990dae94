import type { Config } from '../../config.js';
import type { Tenant } from '../../tenancy/tenant.js';
import { InProcessTaskQueue } from './in-process-task-queue.js';
import { connectQueueRedis } from '../../backends/redis/redis-queue-client.js';
import { RedisTaskQueue } from '../../backends/redis/redis-task-queue.js';
import type { QueueLimits, TaskQueue } from './task-queue.js';

export function queueLimits(config: Config, tenants: readonly Tenant[]): QueueLimits {
  const tenantCaps: Record<string, number> = {};
  for (const tenant of tenants) if (tenant.maxConcurrent !== null) tenantCaps[tenant.id] = tenant.maxConcurrent;
  return {
    maxConcurrent: config.sessions.maxConcurrent,
    queueMax: config.tasks.queueMax,
    tenantCaps,
    leaseMs: config.queue.leaseSeconds * 1000,
    affinityMs: config.queue.affinitySeconds * 1000,
  };
}

/** One queue per instance for memory and SQLite storage; the shared one on Redis. */
export async function createTaskQueue(config: Config, limits: QueueLimits): Promise<TaskQueue> {
  if (config.storage.type !== 'redis') return new InProcessTaskQueue(limits);
  const redis = await connectQueueRedis({ url: config.storage.redisUrl, host: config.storage.redisHost, port: config.storage.redisPort });
  return new RedisTaskQueue(redis, limits, config.storage.redisPrefix);
}
