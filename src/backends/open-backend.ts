import { MemoryStore } from './memory/memory-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from '../storage/store.js';

export interface StoreConfig {
  type: 'memory' | 'sqlite' | 'redis';
  /** Path of the SQLite database file; only used when `type` is 'sqlite'. */
  sqliteFile: string;
}

/** The configured storage adapter. */
export function createStore(config: StoreConfig): Store {
  switch (config.type) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite':
      return SqliteStore.open(config.sqliteFile);
    case 'redis':
      // Redis needs a connection first: server-context.ts opens it with openRedisBackend().
      throw new Error('STORAGE_TYPE=redis is opened by openRedisBackend (src/storage/redis/redis-backend.ts)');
  }
}
