import { afterAll, beforeAll } from 'vitest';
import { MemorySecretStore } from '../../src/backends/memory/memory-secret-store.js';
import { RedisConnection } from '../../src/backends/redis/redis-connection.js';
import { RedisSecretStore } from '../../src/backends/redis/redis-secret-store.js';
import { SqliteSecretStore } from '../../src/backends/sqlite/sqlite-secret-store.js';
import { createLogger } from '../../src/observability/logger.js';
import { RedisProcess } from '../helpers/redis-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { reopenableSqlite } from './reopenable-sqlite.js';
import { secretStoreContract } from './secret-store.contract.js';

secretStoreContract('memory', async () => ({ secrets: new MemorySecretStore(), cleanup: async () => undefined }));

secretStoreContract('sqlite', async () => {
  const sqlite = await reopenableSqlite('secret');
  return {
    secrets: new SqliteSecretStore(sqlite.store.database),
    reopen: async () => new SqliteSecretStore((await sqlite.reopen()).database),
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

secretStoreContract('redis', async () => {
  const prefix = RedisProcess.prefix();
  const open = () => RedisConnection.open({ url: redis.url, host: '', port: 0, prefix }, logger);
  const connections = [await open()];
  return {
    secrets: new RedisSecretStore(connections[0]!),
    // Another instance on the same Redis and prefix.
    reopen: async () => {
      const other = await open();
      connections.push(other);
      return new RedisSecretStore(other);
    },
    cleanup: async () => {
      for (const c of connections) await c.close();
    },
  };
});
