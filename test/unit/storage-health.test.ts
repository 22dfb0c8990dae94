import { describe, expect, it } from 'vitest';
import { EventLog } from '../../src/events/event-log.js';
import { EventStream, type EventSink } from '../../src/events/event-stream.js';
import type { TaskEvent } from '../../src/events/event-types.js';
import { createLogger } from '../../src/observability/logger.js';
import { GuardedStore } from '../../src/storage/guarded-store.js';
import { MemoryStore } from '../../src/backends/memory/memory-store.js';
import { retryWhileUnavailable } from '../../src/storage/retry-unavailable.js';
import { classifyStorageError, StorageHealth, StorageUnavailableError } from '../../src/storage/storage-health.js';
import { describeStorage } from '../../src/storage/storage-report.js';
import { StorageUnavailableError as RedisUnreachableError } from '../../src/storage/store.js';
import { TaskFinisher } from '../../src/tasks/task-finisher.js';
import { makeTask } from '../contract/store.contract.js';

/** A real MemoryStore whose writes fail with a driver error code while `failWith` is set (a disk that fills up). */
class FailingStore extends MemoryStore {
  failWith: string | null = null;
  private check(): void {
    if (this.failWith) throw Object.assign(new Error('database or disk is full'), { code: this.failWith });
  }
  override async appendEvent(event: TaskEvent): Promise<void> {
    this.check();
    return super.appendEvent(event);
  }
  override async updateTask(...args: Parameters<MemoryStore['updateTask']>): ReturnType<MemoryStore['updateTask']> {
    this.check();
    return super.updateTask(...args);
  }
  async probe(): Promise<void> {
    this.check();
  }
}

const logger = createLogger({ level: 'ERROR', sink: () => undefined });
const message = (text: string) => ({ type: 'message' as const, data: { role: 'assistant' as const, text } });

function setup() {
  const raw = new FailingStore();
  const health = new StorageHealth(logger);
  const store = new GuardedStore(raw, health);
  const events = new EventLog(store);
  return { raw, health, store, events };
}

describe('classifyStorageError', () => {
  it('tells storage failures (full or not) from other errors', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(classifyStorageError(err('SQLITE_FULL'))).toMatchObject({ full: true });
    expect(classifyStorageError(err('ENOSPC'))).toMatchObject({ full: true });
    expect(classifyStorageError(err('SQLITE_IOERR_WRITE'))).toMatchObject({ full: false });
    expect(classifyStorageError(err('SQLITE_READONLY_DBMOVED'))).toMatchObject({ full: false });
    expect(classifyStorageError(err('SQLITE_CONSTRAINT_PRIMARYKEY'))).toBeNull();
    expect(classifyStorageError(new TypeError('bug'))).toBeNull();
  });

  it("treats the Redis store's outage as a retryable storage failure, not a full disk", () => {
    expect(classifyStorageError(new RedisUnreachableError('Redis is unreachable (ECONNREFUSED)'))).toEqual({
      full: false,
      reason: 'Redis is unreachable (ECONNREFUSED)',
      retryable: true,
    });
  });
});

describe('a Redis outage through the guarded store', () => {
  class RedisLikeStore extends MemoryStore {
    down = false;
    override async appendEvent(event: TaskEvent): Promise<void> {
      if (this.down) throw new RedisUnreachableError('Redis is unreachable (socket closed)');
      return super.appendEvent(event);
    }
    async probe(): Promise<void> {
      if (this.down) throw new RedisUnreachableError('Redis is unreachable (socket closed)');
    }
  }

  it('degrades health (503 STORAGE_UNAVAILABLE on /health), and a background write rides out a blip once the probe sees Redis back', async () => {
    const raw = new RedisLikeStore();
    const health = new StorageHealth(logger);
    const store = new GuardedStore(raw, health);
    const event = { seq: 1, task_id: 'task-1', type: 'message', timestamp: new Date().toISOString(), data: { role: 'assistant', text: 'hi' } } as TaskEvent;
    raw.down = true;
    let attempts = 0;
    const write = retryWhileUnavailable(
      async () => {
        attempts++;
        if (attempts === 3) {
          raw.down = false;
          await health.check(() => store.probe());
        }
        return store.appendEvent(event);
      },
      { windowMs: 10_000 },
    );
    await expect(write).resolves.toBeUndefined();
    expect(attempts).toBe(3);
    expect(await raw.readEvents('task-1', 0)).toHaveLength(1);
    expect(health.degraded).toBe(false);

    raw.down = true;
    await expect(store.appendEvent({ ...event, seq: 2 })).rejects.toBeInstanceOf(StorageUnavailableError);
    const report = describeStorage('redis', { up: false, reason: 'socket closed' }, health);
    expect(report).toMatchObject({
      type: 'redis',
      status: 'down',
      code: 'STORAGE_UNAVAILABLE',
      reason: expect.stringContaining('Redis is unreachable'),
      since: expect.any(String),
    });
    expect(describeStorage('redis', { up: false, reason: 'socket closed' }, new StorageHealth(logger))).toMatchObject({
      status: 'down',
      reason: 'socket closed',
      since: null,
    });
    expect(describeStorage('sqlite', { up: true, reason: null }, new StorageHealth(logger))).toEqual({
      type: 'sqlite',
      status: 'up',
      reason: null,
      code: null,
      since: null,
      pending_writes: 0,
    });
  });
});

describe('StorageHealth with the guarded store', () => {
  it('goes degraded on the first storage failure, refuses writes at once, still reads, and recovers on a probe', async () => {
    const { raw, health, store } = setup();
    await raw.insertTask(makeTask());
    raw.failWith = 'SQLITE_FULL';
    await expect(store.updateTask('task-1', { status: 'running' })).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(health.state()).toMatchObject({ status: 'degraded', code: 'STORAGE_FULL' });
    raw.failWith = null;
    // Still refused until a probe has shown that storage works again.
    await expect(store.insertTask(makeTask({ task_id: 'task-2' }))).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(await store.getTask('task-1')).not.toBeNull();
    raw.failWith = 'SQLITE_FULL';
    await health.check(() => store.probe());
    expect(health.degraded).toBe(true);
    raw.failWith = null;
    await health.check(() => store.probe());
    expect(health.state()).toEqual({ status: 'ok' });
    expect((await store.insertTask(makeTask({ task_id: 'task-2' }))).inserted).toBe(true);
  });

  it('replays deferred writes in order once storage is back, keeping those that fail again', async () => {
    const { raw, health, store } = setup();
    const done: string[] = [];
    raw.failWith = 'SQLITE_IOERR';
    await expect(store.appendEvent({ seq: 1, task_id: 't', type: 'message', timestamp: '', data: { role: 'assistant', text: 'x' } })).rejects.toThrow();
    health.defer('a', async () => void done.push('a'));
    health.defer('b', async () => {
      await store.appendEvent({ seq: 1, task_id: 't', type: 'message', timestamp: '', data: { role: 'assistant', text: 'x' } });
      done.push('b');
    });
    raw.failWith = null;
    await health.check(() => store.probe());
    expect(done).toEqual(['a', 'b']);
    expect(health.pendingWrites).toBe(0);
  });
});

describe('EventLog while storage fails', () => {
  it('holds events in memory, serves them after the stored ones, and writes them in order once storage is back', async () => {
    const { raw, health, store, events } = setup();
    await events.append('t', message('stored'));
    raw.failWith = 'SQLITE_FULL';
    await events.append('t', message('held 1'));
    raw.failWith = null; // even with storage back, later events wait behind the held ones
    await events.append('t', message('held 2'));
    expect(events.hasHeld('t')).toBe(true);
    expect((await events.read('t', 0, 100)).map((e) => [e.seq, (e.data as { text: string }).text])).toEqual([
      [1, 'stored'],
      [2, 'held 1'],
      [3, 'held 2'],
    ]);
    expect((await store.readEvents('t', 0)).length).toBe(1);
    await health.check(() => store.probe());
    await events.flushHeld('t');
    expect(events.hasHeld('t')).toBe(false);
    expect((await raw.readEvents('t', 0)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('ends a live stream with complete even when nothing can be stored', async () => {
    const { raw, events } = setup();
    const stream = new EventStream(events, { maxBufferedBytes: 1 << 20, stallTimeoutMs: 5000 });
    const sent: TaskEvent[] = [];
    const sink: EventSink = { send: (e) => sent.push(e), buffered: () => 0, flushed: () => Promise.resolve() };
    const running = stream.run('t', 0, sink, new AbortController().signal);
    await events.append('t', message('first'));
    raw.failWith = 'SQLITE_FULL';
    await events.append('t', { type: 'error', data: { code: 'STORAGE_UNAVAILABLE', message: 'x' } });
    await events.append('t', {
      type: 'complete',
      data: { status: 'failed', result: null, usage: { input_tokens: 0, output_tokens: 0 }, num_turns: 0, cost_usd: 0, duration_ms: 1 },
    });
    expect(await running).toMatchObject({ reason: 'complete', lastSeq: 3 });
    expect(sent.map((e) => e.type)).toEqual(['message', 'error', 'complete']);
  });
});

describe('TaskFinisher while storage fails', () => {
  it('finishes the task in memory (recordOf), tells listeners, and stores record and events on recovery', async () => {
    const { raw, health, store, events } = setup();
    await raw.insertTask(makeTask({ status: 'running' }));
    const finisher = new TaskFinisher(
      store,
      events,
      logger,
      () => new Date(),
      (t) => t,
      health,
    );
    const finished: string[] = [];
    finisher.onFinish((task) => finished.push(task.status));
    raw.failWith = 'SQLITE_FULL';
    const error = { code: 'STORAGE_UNAVAILABLE' as const, message: 'storage failed' };
    const task = await finisher.finish('task-1', {
      status: 'failed',
      result: null,
      usage: { input_tokens: 0, output_tokens: 0 },
      num_turns: 0,
      cost_usd: 0,
      duration_ms: 5,
      error,
    });
    expect(task?.status).toBe('failed');
    expect(finished).toEqual(['failed']);
    expect(finisher.recordOf('task-1')).toMatchObject({ status: 'failed', error });
    expect((await raw.getTask('task-1'))?.status).toBe('running');
    expect(health.pendingWrites).toBe(1);
    raw.failWith = null;
    await health.check(() => store.probe());
    expect((await raw.getTask('task-1'))?.status).toBe('failed');
    expect(finisher.recordOf('task-1')).toBeNull();
    expect((await raw.readEvents('task-1', 0)).map((e) => e.type)).toEqual(['error', 'complete']);
  });
});
