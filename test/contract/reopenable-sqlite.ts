import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/backends/sqlite/sqlite-store.js';

export interface ReopenableSqlite {
  store: SqliteStore;
  /** A restart: the file is all that is left (one process holds it at a time). */
  reopen(): Promise<SqliteStore>;
  cleanup(): Promise<void>;
}

/** A SQLite store in a file of its own, for contract suites that check what survives a restart. */
export async function reopenableSqlite(name: string): Promise<ReopenableSqlite> {
  const dir = await mkdtemp(join(tmpdir(), `${name}-contract-`));
  const file = join(dir, 'store.db');
  let current = SqliteStore.open(file);
  return {
    store: current,
    reopen: async () => {
      await current.close();
      current = SqliteStore.open(file);
      return current;
    },
    cleanup: async () => {
      await current.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
