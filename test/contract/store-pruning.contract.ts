import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/storage/store.js';
import { allPages, appendMany, at, finished, makeEvent, makeSession, makeTask, type CurrentHarness } from './store-contract-fixtures.js';

/** pruneFinishedBefore: which tasks go (with their events), the per-call limit, reuse of an id. */
export function pruningContract(current: CurrentHarness): void {
  describe('pruneFinishedBefore', () => {
    let store: Store;

    beforeEach(() => {
      store = current().store;
    });

    const cutoff = at(30);

    beforeEach(async () => {
      const tasks = [
        finished('old-completed', 'completed', at(10)),
        finished('old-failed', 'failed', at(11)),
        finished('old-interrupted', 'interrupted', at(12)),
        finished('old-timed-out', 'timed_out', at(13)),
        finished('at-cutoff', 'completed', cutoff),
        finished('new-completed', 'completed', at(40)),
        finished('terminal-no-completed-at', 'failed', null),
        // not finished, even with an (odd) old completed_at: never pruned
        finished('running', 'running', at(5)),
        finished('queued', 'queued', at(5)),
        makeTask({ task_id: 'fresh-queued' }),
      ];
      for (const task of tasks) {
        await store.insertTask(task);
        await appendMany(store, task.task_id, 3);
      }
      await store.insertSession(makeSession());
    });

    const survivors = ['at-cutoff', 'new-completed', 'terminal-no-completed-at', 'running', 'queued', 'fresh-queued'];
    const prunable = ['old-completed', 'old-failed', 'old-interrupted', 'old-timed-out'];

    it('deletes only finished tasks completed strictly before the cutoff, with their events', async () => {
      expect(await store.pruneFinishedBefore(cutoff, 100)).toBe(4);
      for (const id of prunable) {
        expect(await store.getTask(id), id).toBeNull();
        expect(await store.readEvents(id, 0), id).toEqual([]);
        expect(await store.lastEventSeq(id), id).toBe(0);
      }
      for (const id of survivors) {
        expect(await store.getTask(id), id).not.toBeNull();
        expect(
          (await store.readEvents(id, 0)).map((e) => e.seq),
          id,
        ).toEqual([1, 2, 3]);
      }
      expect((await allPages(store, 3)).ids.sort()).toEqual([...survivors].sort());
      expect(await store.getSession('session-1')).toEqual(makeSession());
      expect(await store.pruneFinishedBefore(cutoff, 100)).toBe(0);
    });

    it('deletes at most `limit` per call', async () => {
      expect(await store.pruneFinishedBefore(cutoff, 0)).toBe(0);
      expect(await store.pruneFinishedBefore(cutoff, 3)).toBe(3);
      const remaining = (await Promise.all(prunable.map((id) => store.getTask(id)))).filter((t) => t !== null);
      expect(remaining).toHaveLength(1);
      expect(await store.readEvents(remaining[0]!.task_id, 0)).toHaveLength(3);
      expect(await store.pruneFinishedBefore(cutoff, 3)).toBe(1);
      expect(await store.pruneFinishedBefore(cutoff, 3)).toBe(0);
      for (const id of survivors) expect(await store.getTask(id), id).not.toBeNull();
    });

    it('a pruned task_id can be used again, with events from seq 1', async () => {
      await store.pruneFinishedBefore(cutoff, 100);
      expect((await store.insertTask(makeTask({ task_id: 'old-failed' }))).inserted).toBe(true);
      await store.appendEvent(makeEvent('old-failed', 1));
      expect(await store.lastEventSeq('old-failed')).toBe(1);
    });
  });
}
