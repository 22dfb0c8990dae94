import { MemorySecretStore } from '../../src/backends/memory/memory-secret-store.js';
import { RedisSecretStore } from '../../src/backends/redis/redis-secret-store.js';
import { SqliteSecretStore } from '../../src/backends/sqlite/sqlite-secret-store.js';
import { redisInstancesForFile } from './redis-instances-fixture.js';
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

const redisInstances = redisInstancesForFile();

secretStoreContract('redis', async () => {
  const redis = await redisInstances();
  return {
    secrets: new RedisSecretStore(redis.first),
    reopen: async () => new RedisSecretStore(await redis.another()),
    cleanup: redis.closeAll,
  };
});
