import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/backends/sqlite/sqlite-migrations.js';
import { SqliteStore } from '../../src/backends/sqlite/sqlite-store.js';
import { SqliteTranscriptStore } from '../../src/backends/sqlite/sqlite-transcript-store.js';
import { InUseByAnotherServerError } from '../../src/server/in-use-by-another-server.js';
import { makeEvent, makeTask, storeContract } from './store.contract.js';

storeContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'store-contract-'));
  const file = join(dir, 'store.db');
  const opened: SqliteStore[] = [SqliteStore.open(file)];
  return {
    store: opened[0]!,
    reopen: async () => {
      const store = SqliteStore.open(file);
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

/** Reads a pragma through a separate, read-only connection. */
function filePragma(file: string, pragma: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma(pragma, { simple: true });
  } finally {
    db.close();
  }
}

const connectionOf = (store: SqliteStore): Database.Database => (store as unknown as { db: Database.Database }).db;

describe('SqliteStore specifics', () => {
  let dir: string;
  let file: string;
  const stores: SqliteStore[] = [];
  const open = (): SqliteStore => {
    const store = SqliteStore.open(file);
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sqlite-store-'));
    file = join(dir, 'nested', 'deeper', 'store.db');
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps instance_id across a reopen: absent until the task starts, then the instance that ran it', async () => {
    const first = open();
    await first.insertTask(makeTask({ task_id: 'placed' }));
    expect(await first.getTask('placed')).not.toHaveProperty('instance_id');
    await first.updateTask('placed', { status: 'running', instance_id: 'host-a-1-abcd' });
    await first.close();
    expect((await open().getTask('placed'))?.instance_id).toBe('host-a-1-abcd');
  });

  it('creates the parent directories and the file', () => {
    open();
    expect(existsSync(file)).toBe(true);
  });

  it('runs in WAL mode with synchronous=NORMAL, a busy timeout and foreign keys on', () => {
    const store = open();
    const db = connectionOf(store);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('sets user_version to the latest migration', () => {
    const store = open();
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    expect(connectionOf(store).pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
  });

  it('refuses a database another server holds open, naming the file, instead of a bare "database is locked"', async () => {
    open();
    expect(() => SqliteStore.open(file)).toThrow(
      new InUseByAnotherServerError(`The SQLite database ${file} is in use by another running server: give each instance its own STORAGE_SQLITE_PATH`),
    );
    const transcripts = join(dir, 'transcripts.db');
    const held = SqliteTranscriptStore.open(transcripts);
    try {
      expect(() => SqliteTranscriptStore.open(transcripts)).toThrow(InUseByAnotherServerError);
    } finally {
      await held.close();
    }
  });

  it('refuses a database written by a newer schema, and leaves it alone', async () => {
    await open().close();
    const db = new Database(file);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => SqliteStore.open(file)).toThrow(/schema version \d+.*only knows up to/);
    expect(filePragma(file, 'user_version')).toBe(LATEST_SCHEMA_VERSION + 1);
  });

  it('migrations are idempotent across reopen, and data survives', async () => {
    const first = open();
    await first.insertTask(makeTask());
    await first.appendEvent(makeEvent('task-1', 1));
    await first.close();
    for (let i = 0; i < 3; i++) {
      const again = open();
      expect(connectionOf(again).pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
      expect(await again.getTask('task-1')).toEqual(makeTask());
      expect(await again.lastEventSeq('task-1')).toBe(1);
      await again.close();
    }
  });

  it('owns its file: exclusive locking, no shared-memory -shm file, a second opener is refused', async () => {
    const store = open();
    await store.insertTask(makeTask());
    expect(connectionOf(store).pragma('locking_mode', { simple: true })).toBe('exclusive');
    // The WAL index lives in the process heap: nothing is memory-mapped that could SIGBUS.
    expect(existsSync(`${file}-shm`)).toBe(false);
    const other = new Database(file, { timeout: 100 });
    try {
      expect(() => other.prepare('SELECT COUNT(*) FROM tasks').get()).toThrow(/locked|busy/i);
    } finally {
      other.close();
    }
  });

  it('probe() writes and undoes a row, leaving no trace', async () => {
    const store = open();
    await store.probe();
    await store.probe();
    expect(await store.lastEventSeq('\u0000storage-probe')).toBe(0);
    expect(connectionOf(store).prepare('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 0 });
  });

  it('close() checkpoints the WAL into the main file', async () => {
    const store = open();
    await store.insertTask(makeTask());
    await store.close();
    const wal = `${file}-wal`;
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);
  });

  it('a closed store rejects further calls instead of silently dropping them', async () => {
    const store = open();
    await store.close();
    await expect(store.getTask('task-1')).rejects.toThrow();
  });
});
