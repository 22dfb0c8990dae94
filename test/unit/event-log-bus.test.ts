import { describe, expect, it } from 'vitest';
import type { EventBus } from '../../src/events/event-bus.js';
import { EventLog } from '../../src/events/event-log.js';
import { MemoryStore } from '../../src/storage/memory-store.js';

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
