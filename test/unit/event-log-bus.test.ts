import { describe, expect, it } from 'vitest';
import type { EventBus } from '../../src/events/event-bus.js';
import { EventLog } from '../../src/events/event-log.js';
import { MemoryStore } from '../../src/backends/memory/memory-store.js';

/** A bus whose deliveries the test makes by hand (the Redis one is tested against real Redis). */
function manualBus(safetyPollMs: number | null): EventBus & { deliver(taskId: string | null): void } {
  const listeners = new Set<(taskId: string | null) => void>();
  return {
    safetyPollMs,
    onAppend: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    deliver: (taskId) => listeners.forEach((l) => l(taskId)),
    close: async () => undefined,
  };
}

const settled = async (promise: Promise<void>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('EventLog with an event bus (appends made by other instances)', () => {
  it('a bus delivery for the task wakes its waiters; one for another task does not', async () => {
    const bus = manualBus(null);
    const log = new EventLog(new MemoryStore(), undefined, undefined, bus);
    const waiter = log.nextAppend('t1');
    bus.deliver('other');
    expect(await settled(waiter.promise)).toBe(false);
    bus.deliver('t1');
    expect(await settled(waiter.promise)).toBe(true);
  });

  it('a null delivery (the bus may have lost messages) wakes every waiter', async () => {
    const bus = manualBus(null);
    const log = new EventLog(new MemoryStore(), undefined, undefined, bus);
    const waiters = [log.nextAppend('a'), log.nextAppend('b')];
    bus.deliver(null);
    for (const w of waiters) expect(await settled(w.promise)).toBe(true);
  });

  it('with a safety poll, a waiter wakes even if no delivery ever comes', async () => {
    const log = new EventLog(new MemoryStore(), undefined, undefined, manualBus(20));
    await log.nextAppend('t1').promise; // would hang (test timeout) without the poll
  });

  it('after another writer appended, the next local append re-reads the seq instead of failing forever', async () => {
    const store = new MemoryStore();
    const mine = new EventLog(store);
    const theirs = new EventLog(store);
    await mine.append('t', { type: 'message', data: { role: 'assistant', text: 'one' } });
    await theirs.append('t', { type: 'message', data: { role: 'assistant', text: 'two' } });
    await expect(mine.append('t', { type: 'message', data: { role: 'assistant', text: 'stale' } })).rejects.toThrow(/must be 3/);
    const next = await mine.append('t', { type: 'message', data: { role: 'assistant', text: 'three' } });
    expect(next.seq).toBe(3);
  });
});

describe('EventLog rides out a storage blip', () => {
  it('retries an append while storage is unavailable, and an attempt that landed without a reply is not stored twice', async () => {
    const { StorageUnavailableError } = await import('../../src/storage/store.js');
    const store = new MemoryStore();
    let failures = ['before', 'after'] as ('before' | 'after')[];
    const flaky = Object.assign(Object.create(store) as MemoryStore, {
      appendEvent: async (event: Parameters<MemoryStore['appendEvent']>[0]) => {
        const next = failures.shift();
        // 'after': the write is applied but its reply is lost, as when a connection drops mid-command
        if (next === 'after') await store.appendEvent(event);
        if (next) throw new StorageUnavailableError('test outage');
        await store.appendEvent(event);
      },
    });
    const log = new EventLog(flaky);
    const first = await log.append('t', { type: 'message', data: { role: 'assistant', text: 'one' } });
    const second = await log.append('t', { type: 'message', data: { role: 'assistant', text: 'two' } });
    expect([first.seq, second.seq]).toEqual([1, 2]);
    expect((await store.readEvents('t', 0)).map((e) => e.data)).toEqual([
      { role: 'assistant', text: 'one' },
      { role: 'assistant', text: 'two' },
    ]);
    failures = [];
  });
});
