import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LuaScript } from '../../src/backends/redis/lua-script.js';
import { RedisConnection } from '../../src/backends/redis/redis-connection.js';
import { RedisStore } from '../../src/backends/redis/redis-store.js';
import { fenceKey, RedisTaskQueue } from '../../src/backends/redis/redis-task-queue.js';
import { createLogger } from '../../src/observability/logger.js';
import { FencedWriteError } from '../../src/storage/store.js';
import type { ClaimedTask } from '../../src/tasks/queue/task-queue.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { makeEvent, makeTask } from './store.contract.js';

const logger = createLogger({ level: 'ERROR', sink: () => undefined });
const SRC = path.resolve('src');
// The dev queue worker's journal: the same fence check, from its own directory.
const DEV_LUA = new URL('../../src/dev/lua/', import.meta.url);
const JOURNAL_APPEND = LuaScript.load('journal-append', DEV_LUA);
const JOURNAL_OUTCOME = LuaScript.load('journal-outcome', DEV_LUA);

/** Every script under src/ that pulls in the fence check, by file name. */
function fencedScripts(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return fencedScripts(full);
    return entry.name.endsWith('.lua') && /^-- @include fence-check$/m.test(readFileSync(full, 'utf8')) ? [entry.name.replace(/\.lua$/, '')] : [];
  });
}

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.close();
});

describe('fencing (contract D): one check, refused for a stale holder on every path', () => {
  it('every script that carries the fence check is exercised below', () => {
    expect(fencedScripts().sort()).toEqual(['append-event', 'journal-append', 'journal-outcome', 'save-diff', 'update-task']);
  });

  it('claim sets the fence, take-over rotates it; the old holder is refused by every fenced write, the new one is not', async () => {
    const prefix = `test-${randomBytes(4).toString('hex')}`;
    const redis = await RedisConnection.open({ url: server.url, host: '127.0.0.1', port: server.port, prefix }, logger);
    const queue = new RedisTaskQueue(redis, { maxConcurrent: 2, queueMax: 10, tenantCaps: {}, leaseMs: 200, affinityMs: 0 });
    let holder = '';
    const store = new RedisStore(redis, { fenceFor: () => holder });
    const taskId = 'task-1';
    const journal = (script: LuaScript, fence: string, entry: string) =>
      redis.script(script, [fenceKey(prefix, taskId), `{${prefix}:t:${taskId}}:log`, `{${prefix}:t:${taskId}}:outcome`], [fence, entry, taskId]);
    try {
      await store.insertTask(makeTask());
      await queue.enqueue({ taskId, sessionId: 'session-1', tenantId: 't' }, await queue.reserve('t'));
      const first = (await queue.claim('i1'))!;
      expect(await redis.command(['GET', fenceKey(prefix, taskId)])).toBe(first.fence);
      holder = first.fence;
      await store.updateTask(taskId, { status: 'running' });
      await store.appendEvent(makeEvent(taskId, 1));
      await store.saveTaskDiff(taskId, 'first diff');
      await journal(JOURNAL_APPEND, holder, 'start i1');

      let second: ClaimedTask | null = null;
      while (!second) {
        await new Promise((r) => setTimeout(r, 50));
        second = await queue.takeOver(taskId, 'i2');
      }
      expect(await redis.command(['GET', fenceKey(prefix, taskId)])).toBe(second.fence);

      // The old holder: every path refused, and nothing it sent landed.
      await expect(store.updateTask(taskId, { status: 'completed' })).rejects.toBeInstanceOf(FencedWriteError);
      await expect(store.appendEvent(makeEvent(taskId, 2))).rejects.toBeInstanceOf(FencedWriteError);
      await expect(store.saveTaskDiff(taskId, 'stale diff')).rejects.toBeInstanceOf(FencedWriteError);
      await expect(journal(JOURNAL_APPEND, holder, 'tick i1')).rejects.toThrow(`FENCED ${taskId}`);
      await expect(journal(JOURNAL_OUTCOME, holder, 'completed i1')).rejects.toThrow(`FENCED ${taskId}`);
      expect((await store.getTask(taskId))?.status).toBe('running');
      expect(await store.lastEventSeq(taskId)).toBe(1);
      expect(await store.getTaskDiff(taskId)).toBe('first diff');
      expect(await redis.command(['LRANGE', `{${prefix}:t:${taskId}}:log`, '0', '-1'])).toEqual(['start i1']);

      // The new holder writes on every path.
      holder = second.fence;
      await store.updateTask(taskId, { status: 'completed' });
      await store.appendEvent(makeEvent(taskId, 2));
      await store.saveTaskDiff(taskId, 'second diff');
      await journal(JOURNAL_APPEND, holder, 'start i2');
      expect(await journal(JOURNAL_OUTCOME, holder, 'completed i2')).toBe(1);
      expect((await store.getTask(taskId))?.status).toBe('completed');
      expect(await store.getTaskDiff(taskId)).toBe('second diff');
    } finally {
      await queue.close();
      await store.close();
      await redis.close();
    }
  });
});
