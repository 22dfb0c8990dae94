import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLock } from '../../src/data-dir-lock.js';
import { InUseByAnotherServerError } from '../../src/in-use-by-another-server.js';
import { REPO_ROOT } from '../helpers/daemon-process.js';

describe('DataDirLock: one running server per DATA_DIR', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccs-lock-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('refuses a second owner, naming the first, until the first lets go', () => {
    const dataDir = path.join(tempDir(), 'data');
    const first = DataDirLock.acquire(dataDir, 'first-instance', () => new Date('2026-01-02T03:04:05Z'));
    let refusal: unknown;
    try {
      DataDirLock.acquire(dataDir, 'second-instance');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(InUseByAnotherServerError);
    expect((refusal as Error).message).toBe(
      `DATA_DIR ${dataDir} is in use by another running server (instance first-instance, pid ${process.pid} on ${hostname()}, since 2026-01-02T03:04:05.000Z): give each instance its own DATA_DIR`,
    );
    first.release();
    DataDirLock.acquire(dataDir, 'second-instance').release();
  });

  it('still refuses when the note naming the owner is gone, just without naming it', () => {
    const dataDir = tempDir();
    const first = DataDirLock.acquire(dataDir, 'first-instance');
    try {
      rmSync(path.join(dataDir, 'server.lock.owner.json'));
      expect(() => DataDirLock.acquire(dataDir, 'second-instance')).toThrow(
        new InUseByAnotherServerError(`DATA_DIR ${dataDir} is in use by another running server: give each instance its own DATA_DIR`),
      );
    } finally {
      first.release();
    }
  });

  it('is free again once its owner is killed (kill -9 leaves no stale lock)', async () => {
    const dataDir = tempDir();
    // The compiled module (test/global-setup.ts builds dist/) in a process that holds the lock until killed.
    const script = `
      import { DataDirLock } from ${JSON.stringify(path.join(REPO_ROOT, 'dist/src/data-dir-lock.js'))};
      DataDirLock.acquire(${JSON.stringify(dataDir)}, 'holder');
      console.log('held');
      setInterval(() => {}, 1000);
    `;
    const holder = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    expect(() => DataDirLock.acquire(dataDir, 'newcomer')).toThrow(/instance holder, pid \d+/);
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    DataDirLock.acquire(dataDir, 'newcomer').release();
  });
});
