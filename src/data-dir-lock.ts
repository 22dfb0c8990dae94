import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { InUseByAnotherServerError, isSqliteBusy } from './in-use-by-another-server.js';

interface Owner {
  instance_id: string;
  pid: number;
  host: string;
  since: string;
}

/** How long a start waits for the previous owner to let go (a restart overlapping the old process's exit). */
const WAIT_FOR_PREVIOUS_OWNER_MS = 3000;

/**
 * Makes one running server the owner of a DATA_DIR. Each server clears the agent homes it finds
 * there at start and keeps its own databases in it, so a second one on the same directory would
 * pull the files from under the first one's running agents.
 *
 * The lock is an exclusive SQLite transaction held open for the life of the process: SQLite's
 * POSIX record locks are released by the kernel however the process ends (even `kill -9`), work
 * on network file systems that support locking, and need no native addon beyond the one the
 * store already uses. Who holds it is written beside it, for the error the next one gets.
 */
export class DataDirLock {
  private constructor(private readonly db: Database.Database) {}

  static acquire(dataDir: string, instanceId: string, now: () => Date = () => new Date()): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const lockFile = path.join(dataDir, 'server.lock');
    const ownerFile = `${lockFile}.owner.json`;
    const db = new Database(lockFile, { timeout: WAIT_FOR_PREVIOUS_OWNER_MS });
    try {
      db.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      db.close();
      if (!isSqliteBusy(error)) throw error;
      throw new InUseByAnotherServerError(
        `DATA_DIR ${dataDir} is in use by another running server${describe(readOwner(ownerFile))}: give each instance its own DATA_DIR`,
      );
    }
    const owner: Owner = { instance_id: instanceId, pid: process.pid, host: hostname(), since: now().toISOString() };
    writeFileSync(ownerFile, `${JSON.stringify(owner)}\n`);
    return new DataDirLock(db);
  }

  release(): void {
    if (this.db.open) this.db.close();
  }
}

function readOwner(file: string): Owner | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Owner;
  } catch {
    return null;
  }
}

function describe(owner: Owner | null): string {
  return owner ? ` (instance ${owner.instance_id}, pid ${owner.pid} on ${owner.host}, since ${owner.since})` : '';
}
