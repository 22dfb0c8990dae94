import { describe, expect, it } from 'vitest';
import { EventLog } from '../../src/events/event-log.js';
import type { TaskEvent } from '../../src/events/event-types.js';
import { MemoryStore } from '../../src/storage/memory-store.js';

const message = (text: string) => ({ type: 'message' as const, data: { role: 'assistant' as const, text } });

describe('EventLog', () => {
  it('numbers events from 1 per task, in order, even when appends are not awaited', async () => {
    const log = new EventLog(new MemoryStore());
    const appended = await Promise.all([log.append('t', message('a')), log.append('t', message('b')), log.append('u', message('c'))]);
    expect(appended.map((e) => [e.task_id, e.seq])).toEqual([
      ['t', 1],
      ['t', 2],
      ['u', 1],
    ]);
  });

  it('replays history and then follows live events with no gap and no duplicate', async () => {
    const store = new MemoryStore();
    const log = new EventLog(store);
    for (let i = 1; i <= 5; i++) await log.append('t', message(`m${i}`));
    const seen: TaskEvent[] = [];
    const subscription = log.subscribe('t', 2, (event) => seen.push(event));
    // Appends racing with the replay must neither be lost nor delivered twice.
    const racing = [log.append('t', message('m6')), log.append('t', message('m7'))];
    await Promise.all(racing);
    await new Promise((r) => setImmediate(r));
    await log.append('t', message('m8'));
    expect(seen.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 8]);
    subscription.unsubscribe();
    await log.append('t', message('m9'));
    expect(seen).toHaveLength(6);
    expect(log.subscriberCount('t')).toBe(0);
  });

  it('continues numbering from the store after forget()', async () => {
    const store = new MemoryStore();
    const log = new EventLog(store);
    await log.append('t', message('a'));
    log.forget('t');
    expect((await log.append('t', message('b'))).seq).toBe(2);
  });

  it('keeps delivering to other subscribers when one throws', async () => {
    const log = new EventLog(new MemoryStore());
    const seen: number[] = [];
    log.subscribe('t', 0, () => {
      throw new Error('broken client');
    });
    log.subscribe('t', 0, (e) => seen.push(e.seq));
    await new Promise((r) => setImmediate(r));
    await log.append('t', message('a'));
    expect(seen).toEqual([1]);
  });
});
