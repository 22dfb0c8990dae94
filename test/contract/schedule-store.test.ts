import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryScheduleStore } from '../../src/backends/memory/memory-schedule-store.js';
import { SqliteScheduleStore } from '../../src/backends/sqlite/sqlite-schedule-store.js';
import { SqliteStore } from '../../src/backends/sqlite/sqlite-store.js';
import { scheduleStoreContract } from './schedule-store.contract.js';

scheduleStoreContract('memory', async () => {
  const store = new MemoryScheduleStore();
  return { store, shared: false, other: async () => store, cleanup: async () => undefined };
});

scheduleStoreContract('sqlite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-schedules-'));
  const main = SqliteStore.open(path.join(dir, 'ccs.db'));
  // One server owns the file (exclusive lock): a second handle is a second store on its connection.
  const store = new SqliteScheduleStore(main.database);
  return {
    store,
    shared: false,
    other: async () => new SqliteScheduleStore(main.database),
    cleanup: async () => {
      await main.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
