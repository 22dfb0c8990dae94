import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventLog } from '../../src/events/event-log.js';
import type { TaskEvent } from '../../src/events/event-types.js';

export interface EventWakeupsHarness {
  /**
   * Two readers' logs, each waiting for appends: in-process both are the server's one log; with
   * a bus each is another instance with its own bus.
   */
  readers: [EventLog, EventLog];
  /** A writer of the same tasks: the same log in-process, another instance's log with a bus. */
  writer: EventLog;
  cleanup(): Promise<void>;
}

const message = (text: string) => ({ type: 'message', data: { role: 'assistant', text } }) as const;

/** Whether the promise has settled by the time every callback queued so far has run. */
const settledNow = async (promise: Promise<void>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

/**
 * Everything a live reader (event-stream.ts) gets, the way it reads: wait for the next append,
 * then read from the store, until `count` events are in.
 */
async function follow(reader: EventLog, taskId: string, count: number): Promise<TaskEvent[]> {
  const seen: TaskEvent[] = [];
  while (seen.length < count) {
    const wakeup = reader.nextAppend(taskId);
    const page = await reader.read(taskId, seen.at(-1)?.seq ?? 0, 100);
    if (page.length > 0) {
      wakeup.cancel();
      seen.push(...page);
    } else {
      await wakeup.promise;
    }
  }
  return seen;
}

/**
 * What readers rely on from "task X has new events" wake-ups, whichever carries them: the
 * EventLog itself in one process, or an EventBus between instances (STORAGE_TYPE=redis).
 * Run against each.
 */
export function eventWakeupsContract(name: string, open: () => Promise<EventWakeupsHarness>): void {
  describe(`Event wake-ups contract: ${name}`, () => {
    let harness: EventWakeupsHarness;

    beforeEach(async () => {
      harness = await open();
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it("a reader waiting on a task wakes at the writer's append and reads it", async () => {
      const [reader] = harness.readers;
      const waiter = reader.nextAppend('task-a');
      await harness.writer.append('task-a', message('one'));
      await waiter.promise;
      expect((await reader.read('task-a', 0, 10)).map((e) => e.data)).toEqual([{ role: 'assistant', text: 'one' }]);
    });

    it('a live reader gets every event, in seq order, while the writer appends', async () => {
      const followed = follow(harness.readers[0], 'task-a', 20);
      for (let i = 1; i <= 20; i++) await harness.writer.append('task-a', message(`event ${i}`));
      const seen = await followed;
      expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(seen.map((e) => (e.data as { text: string }).text)).toEqual(Array.from({ length: 20 }, (_, i) => `event ${i + 1}`));
    });

    it('one append wakes every subscriber of the task, on every reader', async () => {
      const [first, second] = harness.readers;
      const waiters = [first.nextAppend('task-a'), first.nextAppend('task-a'), second.nextAppend('task-a')];
      await harness.writer.append('task-a', message('one'));
      await Promise.all(waiters.map((w) => w.promise));
    });

    it('an append to another task wakes nobody waiting on this one', async () => {
      const [reader] = harness.readers;
      const onA = reader.nextAppend('task-a');
      const onB = reader.nextAppend('task-b');
      await harness.writer.append('task-b', message('for b'));
      await onB.promise;
      expect(await settledNow(onA.promise)).toBe(false);
      await harness.writer.append('task-a', message('for a'));
      await onA.promise;
    });

    it('a cancelled wait (the subscriber left) is not woken; the others still are', async () => {
      const [reader] = harness.readers;
      const gone = reader.nextAppend('task-a');
      const staying = reader.nextAppend('task-a');
      gone.cancel();
      await harness.writer.append('task-a', message('one'));
      await staying.promise;
      expect(await settledNow(gone.promise)).toBe(false);
    });

    it('an abort ends a wait with no append at all (a subscriber that disconnects)', async () => {
      const controller = new AbortController();
      const waiter = harness.readers[0].nextAppend('task-a', controller.signal);
      controller.abort();
      await waiter.promise;
    });
  });
}
