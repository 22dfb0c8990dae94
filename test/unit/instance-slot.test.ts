import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InstanceSlot, MAX_INSTANCE_SLOTS } from '../../src/server/instance-slot.js';
import { InUseByAnotherServerError } from '../../src/server/in-use-by-another-server.js';
import { REPO_ROOT } from '../helpers/daemon-process.js';

describe('InstanceSlot: each running server its own part of a shared DATA_DIR', () => {
  const dirs: string[] = [];
  const held: InstanceSlot[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccs-slot-'));
    dirs.push(dir);
    return dir;
  };
  const claim = (dataDir: string, id: string): InstanceSlot => {
    const slot = InstanceSlot.claim(dataDir, id, () => new Date('2026-01-02T03:04:05Z'));
    held.push(slot);
    return slot;
  };
  afterEach(() => {
    held.splice(0).forEach((slot) => slot.release());
    dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  });

  it('gives servers on one DATA_DIR different slots, and a freed slot to the next one', () => {
    const dataDir = path.join(tempDir(), 'data');
    const first = claim(dataDir, 'first');
    const second = claim(dataDir, 'second');
    expect([first.index, second.index]).toEqual([0, 1]);
    expect(second.dir).toBe(path.join(dataDir, 'instances', '1'));
    expect(JSON.parse(readFileSync(path.join(first.dir, 'owner.json'), 'utf8'))).toEqual({
      instance_id: 'first',
      pid: process.pid,
      host: hostname(),
      since: '2026-01-02T03:04:05.000Z',
    });
    first.release();
    expect(claim(dataDir, 'third').index).toBe(0);
  });

  it('never clears a running server’s slot; empties what a gone server left, in its own slot and in free ones', () => {
    const dataDir = tempDir();
    const running = claim(dataDir, 'running');
    writeFileSync(path.join(running.dir, 'agent-home-in-use'), 'x');
    // Slots 1 and 2 were used by servers that crashed: their directories are left, their locks free.
    for (const index of [1, 2]) {
      mkdirSync(path.join(dataDir, 'instances', String(index)), { recursive: true });
      writeFileSync(path.join(dataDir, 'instances', String(index), 'stale-home'), 'x');
      writeFileSync(path.join(dataDir, 'instances', `${index}.lock`), '');
    }
    // The layout before slots: every agent home directly under DATA_DIR.
    mkdirSync(path.join(dataDir, 'agent-homes', 'old-home'), { recursive: true });
    const newcomer = claim(dataDir, 'newcomer');
    expect(existsSync(path.join(dataDir, 'agent-homes'))).toBe(false);
    expect(newcomer.index).toBe(1);
    expect(existsSync(path.join(newcomer.dir, 'stale-home'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'instances', '2'))).toBe(false);
    expect(existsSync(path.join(running.dir, 'agent-home-in-use'))).toBe(true);
  });

  it(`refuses a server past ${MAX_INSTANCE_SLOTS} on one DATA_DIR, in one line`, () => {
    const dataDir = tempDir();
    for (let i = 0; i < MAX_INSTANCE_SLOTS; i++) claim(dataDir, `s${i}`);
    expect(() => InstanceSlot.claim(dataDir, 'one-too-many')).toThrow(
      new InUseByAnotherServerError(`DATA_DIR ${dataDir} already has ${MAX_INSTANCE_SLOTS} running servers: give each instance its own DATA_DIR`),
    );
  });

  it('is free again once its holder is killed (kill -9 leaves no stale lock)', async () => {
    const dataDir = tempDir();
    // The compiled module (test/global-setup.ts builds dist/) in a process that holds slot 0 until killed.
    const script = `
      import { InstanceSlot } from ${JSON.stringify(path.join(REPO_ROOT, 'dist/src/server/instance-slot.js'))};
      // Kept referenced: a collected slot closes its database, which frees the lock.
      globalThis.slot = InstanceSlot.claim(${JSON.stringify(dataDir)}, 'holder');
      console.log('held');
      setInterval(() => {}, 1000);
    `;
    const holder = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    try {
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      const meanwhile = claim(dataDir, 'meanwhile');
      expect(meanwhile.index).toBe(1);
      meanwhile.release();
    } finally {
      holder.kill('SIGKILL');
      await exited;
    }
    expect(claim(dataDir, 'after').index).toBe(0);
  });
});
