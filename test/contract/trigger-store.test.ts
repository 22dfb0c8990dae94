import { MemoryStore } from '../../src/backends/memory/memory-store.js';
import { MemoryTriggerStore } from '../../src/backends/memory/memory-trigger-store.js';
import { RedisStore } from '../../src/backends/redis/redis-store.js';
import { RedisTriggerStore } from '../../src/backends/redis/redis-trigger-store.js';
import { redisInstancesForFile } from './redis-instances-fixture.js';
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

const redisInstances = redisInstancesForFile();

triggerStoreContract('redis', async () => {
  const redis = await redisInstances();
  const tasks = new RedisStore(redis.first);
  return {
    triggers: new RedisTriggerStore(redis.first),
    tasks,
    reopen: async () => new RedisTriggerStore(await redis.another()),
    cleanup: async () => {
      await tasks.close();
      await redis.closeAll();
    },
  };
});
