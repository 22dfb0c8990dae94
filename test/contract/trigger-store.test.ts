import { afterAll, beforeAll } from 'vitest';
import { MemoryStore } from '../../src/backends/memory/memory-store.js';
import { MemoryTriggerStore } from '../../src/backends/memory/memory-trigger-store.js';
import { RedisConnection } from '../../src/backends/redis/redis-connection.js';
import { RedisStore } from '../../src/backends/redis/redis-store.js';
import { RedisTriggerStore } from '../../src/backends/redis/redis-trigger-store.js';
import { createLogger } from '../../src/observability/logger.js';
import { RedisProcess } from '../helpers/redis-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { reopenableSqlite } from './reopenable-sqlite.js';
import { triggerStoreContract } from './trigger-store.contract.js';

triggerStoreContract('memory', async () => ({ triggers: new MemoryTriggerStore(), tasks: new MemoryStore(), cleanup: async () => undefined }));

triggerStoreContract('sqlite', async () => {
  const sqlite = await reopenableSqlite('trigger');
  return {
    triggers: sqlite.store.triggers,
    tasks: sqlite.store,
    reopen: async () => (await sqlite.reopen()).triggers,
    cleanup: sqlite.cleanup,
  };
});

const logger = createLogger({ level: 'ERROR', sink: () => undefined });
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.close();
});

triggerStoreContract('redis', async () => {
  const prefix = RedisProcess.prefix();
  const open = () => RedisConnection.open({ url: redis.url, host: '', port: 0, prefix }, logger);
  const connections = [await open()];
  const tasks = new RedisStore(connections[0]!);
  return {
    triggers: new RedisTriggerStore(connections[0]!),
    tasks,
    // Another instance on the same Redis and prefix.
    reopen: async () => {
      const other = await open();
      connections.push(other);
      return new RedisTriggerStore(other);
    },
    cleanup: async () => {
      await tasks.close();
      for (const c of connections) await c.close();
    },
  };
});
