import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisConnection } from '../../src/backends/redis/redis-connection.js';
import { RedisTaskQueue } from '../../src/backends/redis/redis-task-queue.js';
import { createLogger } from '../../src/observability/logger.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { taskQueuePriorityContract } from './task-queue-priority.contract.js';
import { taskQueueContract, type QueueFactory } from './task-queue.contract.js';

const logger = createLogger({ level: 'ERROR', sink: () => undefined });
let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.close();
});

const factory: QueueFactory = async (limits) => {
  // A random prefix per queue: tests never see each other's keys.
  const prefix = `test-${randomBytes(4).toString('hex')}`;
  const redis = await RedisConnection.open({ url: server.url, host: '127.0.0.1', port: server.port, prefix }, logger);
  const queue = new RedisTaskQueue(redis, limits);
  return {
    queue,
    cleanup: async () => {
      await queue.close();
      await redis.close();
    },
  };
};
taskQueueContract('redis', factory);
taskQueuePriorityContract('redis', factory);

describe('redis queue: tasks queued before priorities existed', () => {
  it('files them at priority 5 in their order on the first claim, beside newer tasks', async () => {
    const prefix = `test-${randomBytes(4).toString('hex')}`;
    const redis = await RedisConnection.open({ url: server.url, host: '127.0.0.1', port: server.port, prefix }, logger);
    const queue = new RedisTaskQueue(redis, { maxConcurrent: 10, queueMax: 100, tenantCaps: {}, leaseMs: 30_000, affinityMs: 0 });
    try {
      // The layout an older version left: the FIFO zset and two-field items, no per-tenant sets.
      const q = `{${prefix}:q}`;
      for (const [seq, id] of [
        [1, 'old-a'],
        [2, 'old-b'],
      ] as const) {
        await redis.command(['INCR', `${q}:seq`]);
        await redis.command(['ZADD', `${q}:queued`, seq, id]);
        await redis.command(['HSET', `${q}:items`, id, JSON.stringify(['t', `s-${id}`])]);
        await redis.command(['HINCRBY', `${q}:tenant-queued`, 't', 1]);
        await redis.command(['HINCRBY', `${q}:session-queued`, `s-${id}`, 1]);
      }
      await queue.enqueue({ taskId: 'new-9', sessionId: 's-new-9', tenantId: 't', priority: 9 }, await queue.reserve('t'));
      await queue.enqueue({ taskId: 'new-5', sessionId: 's-new-5', tenantId: 't', priority: 5 }, await queue.reserve('t'));
      const order: string[] = [];
      for (let next = await queue.claim('i1'); next; next = await queue.claim('i1')) order.push(`${next.taskId}@${next.priority}`);
      expect(order).toEqual(['new-9@9', 'old-a@5', 'old-b@5', 'new-5@5']);
    } finally {
      await queue.close();
      await redis.close();
    }
  });
});
