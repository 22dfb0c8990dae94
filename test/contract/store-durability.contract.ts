import { beforeEach, describe, expect, it } from 'vitest';
import { EventSeqConflictError, type Store } from '../../src/storage/store.js';
import type { Task } from '../../src/tasks/task-types.js';
import { appendMany, at, finished, makeEvent, makeSession, makeTask, type CurrentHarness, type StoreHarness } from './store-contract-fixtures.js';

/** Durability: for adapters whose harness can reopen the same data. */
export function durabilityContract(current: CurrentHarness): void {
  describe('durability', () => {
    let harness: StoreHarness;
    let store: Store;

    beforeEach(() => {
      harness = current();
      store = harness.store;
    });

    it('everything acknowledged before close() is there after reopening', async (ctx) => {
      // Only adapters whose data outlives the store object (the harness offers reopen).
      if (!harness.reopen) return ctx.skip();
      await store.insertTask(makeTask({ task_id: 'a', created_at: at(1) }));
      await store.insertTask(makeTask({ task_id: 'b', created_at: at(2) }));
      await store.insertTask(finished('old', 'completed', at(1)));
      await store.updateTask('a', {
        status: 'completed',
        completed_at: at(9),
        result: 'done',
        usage: { input_tokens: 3, output_tokens: 4 },
        cost_usd: 0.02,
        num_turns: 2,
        duration_ms: 5,
      });
      await store.updateTask('b', { status: 'failed', error: { code: 'INTERNAL_ERROR', message: 'boom' } as Task['error'] });
      await store.insertSession(makeSession({ session_id: 's1', created_at: at(1) }));
      await store.insertSession(makeSession({ session_id: 's2', created_at: at(2) }));
      await store.insertSession(makeSession({ session_id: 'gone', created_at: at(3) }));
      await store.updateSession('s1', { status: 'busy', current_task_id: 'b', sdk_session_id: 'sdk-1', cost_usd: 0.5 });
      await store.deleteSession('gone');
      await appendMany(store, 'a', 5);
      await appendMany(store, 'old', 2);
      expect(await store.pruneFinishedBefore(at(5), 10)).toBe(1);

      const before = {
        tasks: await store.listTasks({ limit: 100 }),
        sessions: await store.listSessions(),
        events: await store.readEvents('a', 0),
      };
      await store.close();
      const reopened = await harness.reopen!();
      store = reopened;

      expect(await reopened.listTasks({ limit: 100 })).toEqual(before.tasks);
      expect(await reopened.listSessions()).toEqual(before.sessions);
      expect(await reopened.readEvents('a', 0)).toEqual(before.events);
      expect(await reopened.getTask('old')).toBeNull();
      expect(await reopened.readEvents('old', 0)).toEqual([]);
      expect(await reopened.getSession('gone')).toBeNull();
      expect(await reopened.lastEventSeq('a')).toBe(5);
      expect((await reopened.getTask('b'))!.error).toEqual({ code: 'INTERNAL_ERROR', message: 'boom' });

      // the seq rule and insert-if-absent carry on across the reopen
      await expect(reopened.appendEvent(makeEvent('a', 5))).rejects.toBeInstanceOf(EventSeqConflictError);
      await reopened.appendEvent(makeEvent('a', 6));
      expect((await reopened.insertTask(makeTask({ task_id: 'a' }))).inserted).toBe(false);
      await reopened.close();

      const third = await harness.reopen!();
      store = third;
      expect(await third.lastEventSeq('a')).toBe(6);
    });
  });
}
