import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { RedisConnection } from '../../src/backends/redis/redis-connection.js';
import { RedisTranscriptStore } from '../../src/backends/redis/redis-transcript-store.js';
import { RedisProcess } from '../helpers/redis-process.js';

const logger = createLogger({ level: 'ERROR', sink: () => undefined });
let redis: RedisProcess;
let connection: RedisConnection;
let clock: number;
let store: RedisTranscriptStore;

beforeAll(async () => {
  redis = await RedisProcess.start();
});
afterAll(async () => {
  await redis?.close();
});
beforeEach(async () => {
  connection = await RedisConnection.open({ url: redis.url, host: '', port: 0, prefix: RedisProcess.prefix() }, logger);
  clock = 1_700_000_000_000.7;
  store = new RedisTranscriptStore(connection, () => clock);
});
afterEach(async () => {
  await connection.close();
});

const main = { projectKey: '/srv/ws:one', sessionId: 'sess-1' };
const entry = (uuid: string | undefined, text: string) => ({
  type: 'user',
  ...(uuid ? { uuid } : {}),
  timestamp: '2025-01-01T00:00:00.000Z',
  message: { content: [{ text, n: [1, null, { deep: true }] }] },
});

describe('RedisTranscriptStore (the SDK SessionStore on Redis)', () => {
  it('load returns null for a key never written', async () => {
    expect(await store.load(main)).toBeNull();
    expect(await store.listSessions(main.projectKey)).toEqual([]);
    expect(await store.listSubkeys(main)).toEqual([]);
  });

  it('appends in call order and loads entries deep-equal to what was appended', async () => {
    await store.append(main, [entry('u1', 'hello ✓'), entry('u2', 'second')]);
    await store.append(main, [{ type: 'title', title: 'no uuid' }, entry('u3', 'third')]);
    expect(await store.load(main)).toEqual([entry('u1', 'hello ✓'), entry('u2', 'second'), { type: 'title', title: 'no uuid' }, entry('u3', 'third')]);
  });

  it('treats uuid as an idempotency key; entries without one are appended every time', async () => {
    await store.append(main, [entry('u1', 'a'), { type: 'tag', tag: 'x' }]);
    await store.append(main, [entry('u1', 'a retried'), { type: 'tag', tag: 'x' }, entry('u2', 'b')]);
    expect(await store.load(main)).toEqual([entry('u1', 'a'), { type: 'tag', tag: 'x' }, { type: 'tag', tag: 'x' }, entry('u2', 'b')]);
  });

  it('keeps subagent transcripts apart and lists their subpaths', async () => {
    await store.append(main, [entry('m1', 'main')]);
    await store.append({ ...main, subpath: 'subagents/agent-b' }, [entry('s1', 'sub b')]);
    await store.append({ ...main, subpath: 'subagents/agent-a' }, [entry('s1', 'sub a, same uuid as in b')]);
    expect(await store.load(main)).toEqual([entry('m1', 'main')]);
    expect(await store.load({ ...main, subpath: 'subagents/agent-a' })).toEqual([entry('s1', 'sub a, same uuid as in b')]);
    expect(await store.listSubkeys(main)).toEqual(['subagents/agent-a', 'subagents/agent-b']);
    // subagent transcripts are not sessions of their own
    expect((await store.listSessions(main.projectKey)).map((s) => s.sessionId)).toEqual(['sess-1']);
  });

  it('lists sessions per projectKey with integer mtimes of their last append', async () => {
    await store.append(main, [entry('a', 'a')]);
    clock += 5_000;
    await store.append({ projectKey: main.projectKey, sessionId: 'sess-2' }, [entry('b', 'b')]);
    await store.append({ projectKey: 'other', sessionId: 'sess-3' }, [entry('c', 'c')]);
    const listed = await store.listSessions(main.projectKey);
    expect(listed.sort((x, y) => x.sessionId.localeCompare(y.sessionId))).toEqual([
      { sessionId: 'sess-1', mtime: 1_700_000_000_000 },
      { sessionId: 'sess-2', mtime: 1_700_000_005_000 },
    ]);
    // projectKeys that differ only around the separator do not mix
    expect(await store.listSessions('/srv/ws')).toEqual([]);
  });

  it('delete of a main transcript takes its subagent transcripts; delete of a subpath only that one', async () => {
    await store.append(main, [entry('m1', 'main')]);
    await store.append({ ...main, subpath: 'subagents/a' }, [entry('s1', 'a')]);
    await store.append({ ...main, subpath: 'subagents/b' }, [entry('s2', 'b')]);
    const other = { projectKey: main.projectKey, sessionId: 'sess-2' };
    await store.append(other, [entry('o1', 'other')]);

    await store.delete({ ...main, subpath: 'subagents/a' });
    expect(await store.load({ ...main, subpath: 'subagents/a' })).toBeNull();
    expect(await store.listSubkeys(main)).toEqual(['subagents/b']);
    expect(await store.load(main)).toEqual([entry('m1', 'main')]);

    await store.delete(main);
    expect(await store.load(main)).toBeNull();
    expect(await store.load({ ...main, subpath: 'subagents/b' })).toBeNull();
    expect(await store.listSubkeys(main)).toEqual([]);
    expect((await store.listSessions(main.projectKey)).map((s) => s.sessionId)).toEqual(['sess-2']);
    expect(await store.load(other)).toEqual([entry('o1', 'other')]);
    // a uuid seen before the delete may be written again after it
    await store.append(main, [entry('m1', 'main again')]);
    expect(await store.load(main)).toEqual([entry('m1', 'main again')]);
  });

  it('with a ttl, a transcript expires after its last append and old sessions leave the project index', async () => {
    const expiring = new RedisTranscriptStore(connection, () => clock, 3600);
    await expiring.append(main, [entry('u1', 'old')]);
    await expiring.append({ ...main, subpath: 'subagents/a' }, [entry('s1', 'sub')]);
    const ttl = await connection.client.ttl(`{${connection.prefix}:tr:${encodeURIComponent(main.projectKey)}:${main.sessionId}}:main:entries`);
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
    clock += 2 * 3600 * 1000;
    await expiring.append({ projectKey: main.projectKey, sessionId: 'fresh' }, [entry('f1', 'new')]);
    expect((await expiring.listSessions(main.projectKey)).map((s) => s.sessionId)).toEqual(['fresh']);
  });

  it('a second instance (its own connection) loads what the first appended', async () => {
    await store.append(main, [entry('u1', 'from A')]);
    const other = await RedisConnection.open({ ...connection.settings }, logger);
    try {
      expect(await new RedisTranscriptStore(other).load(main)).toEqual([entry('u1', 'from A')]);
    } finally {
      await other.close();
    }
  });
});
