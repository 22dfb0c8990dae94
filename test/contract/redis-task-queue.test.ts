import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FENCE_CHECK_LUA } from '../../src/backends/redis/fence-check.js';
import { connectQueueRedis, luaScript } from '../../src/backends/redis/redis-queue-client.js';
import { fenceKey, RedisTaskQueue } from '../../src/backends/redis/redis-task-queue.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { taskQueueContract } from './task-queue.contract.js';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.close();
});

taskQueueContract('redis', async (limits) => {
  // A random prefix per queue: tests never see each other's keys.
  const redis = await connectQueueRedis({ url: server.url, host: '127.0.0.1', port: server.port });
  const queue = new RedisTaskQueue(redis, limits, `test-${randomBytes(4).toString('hex')}`);
  return { queue, cleanup: () => queue.close() };
});

describe('RedisTaskQueue fencing (contract D)', () => {
  it('sets the task fence key at claim and rotates it at take-over, so a stale holder is refused', async () => {
    const prefix = `test-${randomBytes(4).toString('hex')}`;
    const redis = await connectQueueRedis({ url: server.url, host: '127.0.0.1', port: server.port });
    const queue = new RedisTaskQueue(redis, { maxConcurrent: 2, queueMax: 10, tenantCaps: {}, leaseMs: 200, affinityMs: 0 }, prefix);
    try {
      await queue.enqueue({ taskId: 'a', sessionId: 'A', tenantId: 't' }, await queue.reserve('t'));
      const claimed = (await queue.claim('i1'))!;
      expect(await redis.command(['GET', fenceKey(prefix, 'a')])).toBe(claimed.fence);
      // The check every RedisStore write script makes (contract D), run against the real keys.
      const write = (fence: string) => redis.script(FENCED_WRITE, [fenceKey(prefix, 'a'), `{${prefix}:t:a}:probe`], [fence, 'x']);
      await write(claimed.fence);
      let taken = null;
      while (!taken) {
        await new Promise((r) => setTimeout(r, 50));
        taken = await queue.takeOver('a', 'i2');
      }
      expect(await redis.command(['GET', fenceKey(prefix, 'a')])).toBe(taken.fence);
      await expect(write(claimed.fence)).rejects.toThrow(/^FENCED/);
      await write(taken.fence);
    } finally {
      await queue.close();
    }
  });
});

const FENCED_WRITE = luaScript(`${FENCE_CHECK_LUA}
fence_check(KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
return 1`);
