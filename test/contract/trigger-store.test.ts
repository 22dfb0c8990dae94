import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { MemoryStore } from '../../src/backends/memory/memory-store.js';
import { MemoryTriggerStore } from '../../src/backends/memory/memory-trigger-store.js';
import { RedisConnection } from '../../src/backends/redis/redis-connection.js';
import { RedisStore } from '../../src/backends/redis/redis-store.js';
import { RedisTriggerStore } from '../../src/backends/redis/redis-trigger-store.js';
import { SqliteStore } from '../../src/backends/sqlite/sqlite-store.js';
import { createLogger } from '../../src/observability/logger.js';
import { RedisProcess } from '../helpers/redis-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { triggerStoreContract } from './trigger-store.contract.js';

triggerStoreContract('memory', async () => ({ triggers: new MemoryTriggerStore(), tasks: new MemoryStore(), cleanup: async () => undefined }));

triggerStoreContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'trigger-contract-'));
  const file = join(dir, 'store.db');
  let current = SqliteStore.open(file);
  return {
    triggers: current.triggers,
    tasks: current,
    // A restart: the file is all that is left (one process holds it at a time).
    reopen: async () => {
      await current.close();
      current = SqliteStore.open(file);
      return current.triggers;
    },
    cleanup: async () => {
      await current.close();
      await rm(dir, { recursive: true, force: true });
    },
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
