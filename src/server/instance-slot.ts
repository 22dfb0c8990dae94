import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { InUseByAnotherServerError, isSqliteBusy } from './in-use-by-another-server.js';

/** More servers than this on one DATA_DIR is a mistake, not a deployment. */
export const MAX_INSTANCE_SLOTS = 64;

/**
 * This server's own directory under DATA_DIR (`instances/<n>/`), for the files no other server
 * may touch: its agent processes' private homes and its scratch space. Several servers may share
 * a DATA_DIR (instances on one machine, started from one checkout): each claims the first free
 * slot, so a newcomer never clears homes that a running server's agents are using.
 *
 * A slot is held by an exclusive SQLite transaction on `instances/<n>.lock`, open for the life of
 * the process: SQLite's POSIX record locks are released by the kernel however the process ends
 * (even `kill -9`), work on network file systems that support locking, and need no native addon
 * beyond the one the store already uses. Lock files are never deleted (a new file would be a new
 * lock); a claimed slot's directory is emptied first, and every other free slot's directory (left
 * by a server that crashed) is removed.
 *
 * What stays directly in DATA_DIR is shared on purpose or guarded on its own: the SQLite files
 * refuse a second server (exclusive locking), and `agent-uids.json` maps tenants to uids for all.
 */
export class InstanceSlot {
  private constructor(
    readonly index: number,
    readonly dir: string,
    private readonly lock: Database.Database,
  ) {}

  static claim(dataDir: string, instanceId: string, now: () => Date = () => new Date()): InstanceSlot {
    const root = path.join(dataDir, 'instances');
    mkdirSync(root, { recursive: true });
    for (let index = 0; index < MAX_INSTANCE_SLOTS; index++) {
      const lock = tryLock(path.join(root, `${index}.lock`));
      if (!lock) continue;
      const dir = path.join(root, String(index));
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, 'owner.json'),
        `${JSON.stringify({ instance_id: instanceId, pid: process.pid, host: hostname(), since: now().toISOString() })}\n`,
      );
      removeAbandonedSlots(root, index);
      // Where versions before instance slots kept the homes of all their agents.
      rmSync(path.join(dataDir, 'agent-homes'), { recursive: true, force: true });
      return new InstanceSlot(index, dir, lock);
    }
    throw new InUseByAnotherServerError(`DATA_DIR ${dataDir} already has ${MAX_INSTANCE_SLOTS} running servers: give each instance its own DATA_DIR`);
  }

  release(): void {
    if (this.lock.open) this.lock.close();
  }
}

/** The slot's lock, or null if a running server holds it. */
function tryLock(file: string): Database.Database | null {
  const db = new Database(file, { timeout: 0 });
  try {
    // Nothing is ever written: its (empty) rollback journal stays in memory, not in a file beside the lock.
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (error) {
    db.close();
    if (isSqliteBusy(error)) return null;
    throw error;
  }
}

/** Directories of free slots belong to servers that are gone: their agents died with them. */
function removeAbandonedSlots(root: string, own: number): void {
  for (const name of readdirSync(root)) {
    const match = /^(\d+)\.lock$/.exec(name);
    if (!match || Number(match[1]) === own) continue;
    const lock = tryLock(path.join(root, name));
    if (!lock) continue;
    try {
      rmSync(path.join(root, match[1]!), { recursive: true, force: true });
    } finally {
      lock.close();
    }
  }
}
