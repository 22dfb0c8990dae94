import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
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
