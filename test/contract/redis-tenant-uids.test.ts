import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TenantUids } from '../../src/agent/isolation/tenant-uids.js';
import { createLogger } from '../../src/observability/logger.js';
import { RedisConnection } from '../../src/backends/redis/redis-connection.js';
import { redisUidAllocator } from '../../src/backends/redis/redis-tenant-uids.js';
import { RedisProcess } from '../helpers/redis-process.js';

const logger = createLogger({ level: 'ERROR', sink: () => undefined });
const BASE = 300_000;
let redis: RedisProcess;
let dir: string;
let connections: RedisConnection[];
let prefix: string;

beforeAll(async () => {
  redis = await RedisProcess.start();
});
afterAll(async () => {
  await redis?.close();
});
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ccs-uids-'));
  connections = [];
  prefix = RedisProcess.prefix();
});
afterEach(async () => {
  await Promise.all(connections.map((c) => c.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** One instance's view: its own DATA_DIR file, the deployment's Redis. */
async function instance(name: string): Promise<TenantUids> {
  const connection = await RedisConnection.open({ url: redis.url, host: '', port: 0, prefix }, logger);
  connections.push(connection);
  return new TenantUids(path.join(dir, name, 'agent-uids.json'), BASE, redisUidAllocator(connection));
}

describe('tenant uids shared through Redis (instances on one WORKSPACE_ROOT)', () => {
  it('gives a tenant the same uid on every instance, whatever order each instance met the tenants in', async () => {
    const a = await instance('a');
    const b = await instance('b');
    await a.load(['default', 'acme']);
    await b.load(['globex', 'acme', 'default']);
    expect(a.uidOf('acme')).toBe(b.uidOf('acme'));
    expect(a.uidOf('default')).toBe(b.uidOf('default'));
    expect([a.uidOf('default'), a.uidOf('acme'), b.uidOf('globex')]).toEqual([BASE, BASE + 1, BASE + 2]);
  });

  it('never hands one uid to two tenants, even when instances start at the same moment', async () => {
    const views = await Promise.all(['a', 'b', 'c', 'd'].map(instance));
    const tenants = Array.from({ length: 20 }, (_, i) => `tenant-${i}`);
    await Promise.all(views.map((v, i) => v.load(i % 2 === 0 ? tenants : [...tenants].reverse())));
    const uids = tenants.map((t) => views[0]!.uidOf(t));
    expect(new Set(uids).size).toBe(tenants.length);
    for (const v of views) expect(tenants.map((t) => v.uidOf(t))).toEqual(uids);
  });

  it('keeps the map in Redis, not in DATA_DIR, and refuses a tenant it never loaded', async () => {
    const a = await instance('a');
    await a.load(['acme']);
    expect(() => readFileSync(path.join(dir, 'a', 'agent-uids.json'))).toThrow();
    expect(() => a.uidOf('stranger')).toThrow(/no uid was allocated/);
    const later = await instance('later');
    await later.load(['acme']);
    expect(later.uidOf('acme')).toBe(a.uidOf('acme'));
  });
});

describe('tenant uids on one server (DATA_DIR file)', () => {
  it('allocates in order and keeps the map across restarts', async () => {
    const file = path.join(dir, 'agent-uids.json');
    const first = new TenantUids(file, BASE);
    await first.load(['default', 'acme']);
    expect(first.uidOf('acme')).toBe(BASE + 1);
    const restarted = new TenantUids(file, BASE);
    await restarted.load(['acme', 'globex']);
    expect([restarted.uidOf('acme'), restarted.uidOf('globex')]).toEqual([BASE + 1, BASE + 2]);
  });
});
