import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import { queueLimits } from '../tasks/queue/queue-limits.js';
import type { Backend, BackendOptions } from './backend.js';
import { MemoryScheduleStore } from './memory/memory-schedule-store.js';
import { MemoryStore } from './memory/memory-store.js';
import { MemoryTranscriptStore } from './memory/memory-transcript-store.js';
import { MemoryTriggerStore } from './memory/memory-trigger-store.js';
import { MemorySecretStore } from './memory/memory-secret-store.js';
import { SqliteSecretStore } from './sqlite/sqlite-secret-store.js';
import { singleInstanceBackend } from './single-instance-backend.js';
import { SqliteScheduleStore } from './sqlite/sqlite-schedule-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { SqliteTranscriptStore } from './sqlite/sqlite-transcript-store.js';

/**
 * The backend STORAGE_TYPE names: the one place that looks at the storage type. Redis waits
 * until it can connect, so an instance never starts half-wired.
 */
export async function openBackend(config: Config, logger: Logger, options: BackendOptions = {}): Promise<Backend> {
  const limits = queueLimits(config, config.api.tenants);
  switch (config.storage.type) {
    case 'memory':
      return singleInstanceBackend(
        'memory',
        new MemoryStore(),
        new MemoryTranscriptStore(),
        limits,
        new MemoryScheduleStore(),
        new MemoryTriggerStore(),
        new MemorySecretStore(),
      );
    case 'sqlite': {
      const store = SqliteStore.open(config.storage.sqlitePath);
      try {
        // Transcripts go to transcripts.db beside the main file.
        const transcripts = SqliteTranscriptStore.open(path.join(path.dirname(config.storage.sqlitePath), 'transcripts.db'));
        return singleInstanceBackend(
          'sqlite',
          store,
          transcripts,
          limits,
          new SqliteScheduleStore(store.database),
          store.triggers,
          new SqliteSecretStore(store.database),
        );
      } catch (error) {
        await store.close();
        throw error;
      }
    }
    case 'redis': {
      // Loaded only here: the Redis client is about 600 files, a third of a CPU second at every start.
      const { openRedisBackend } = await import('./redis/redis-backend.js');
      return openRedisBackend(config, logger, limits, options);
    }
  }
}
