import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisConnection } from '../../src/backends/redis/redis-connection.js';
import { RedisScheduleStore } from '../../src/backends/redis/redis-schedule-store.js';
import { createLogger } from '../../src/observability/logger.js';
import { RedisProcess } from '../helpers/redis-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { scheduleFixture, scheduleStoreContract } from './schedule-store.contract.js';

const logger = createLogger({ level: 'ERROR', sink: () => undefined });
let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.close();
});

const connect = (prefix: string): Promise<RedisConnection> => RedisConnection.open({ url: server.url, host: '', port: 0, prefix }, logger);

scheduleStoreContract('redis', async () => {
  // A random prefix per test: tests never see each other's keys.
  const prefix = RedisProcess.prefix();
  const connections = [await connect(prefix)];
  return {
    store: new RedisScheduleStore(connections[0]!),
    shared: true,
    other: async () => {
      const connection = await connect(prefix);
      connections.push(connection);
      return new RedisScheduleStore(connection);
    },
    cleanup: async () => {
      await Promise.all(connections.map((c) => c.close()));
    },
  };
});

describe('RedisScheduleStore specifics', () => {
  it('the lease expires when its holder stops renewing: another instance takes over', async () => {
    const prefix = RedisProcess.prefix();
    const [a, b] = await Promise.all([connect(prefix), connect(prefix)]);
    try {
      const first = new RedisScheduleStore(a);
      const second = new RedisScheduleStore(b);
      expect(await first.holdLeadership('one', 200)).toBe(true);
      expect(await second.holdLeadership('two', 200)).toBe(false);
      const ttl = await a.client.pTTL(`${prefix}:schedules:leader`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(200);
      // Redis expires the key itself; waiting on its own TTL is the behaviour under test.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await second.holdLeadership('two', 60_000)).toBe(true);
      expect(await first.holdLeadership('one', 60_000)).toBe(false);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('keeps schedules under its prefix only', async () => {
    const [a, elsewhere] = await Promise.all([connect(RedisProcess.prefix()), connect(RedisProcess.prefix())]);
    try {
      await new RedisScheduleStore(a).insertSchedule(scheduleFixture('a'));
      expect(await new RedisScheduleStore(elsewhere).getSchedule('a')).toBeNull();
      expect(await new RedisScheduleStore(elsewhere).listSchedules()).toEqual([]);
    } finally {
      await Promise.all([a.close(), elsewhere.close()]);
    }
  });
});
