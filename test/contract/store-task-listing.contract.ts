import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/storage/store.js';
import type { TaskStatus } from '../../src/tasks/task-types.js';
import { allPages, at, makeTask, type CurrentHarness } from './store-contract-fixtures.js';

/** listTasks: newest first, status filter, limit and cursors. */
export function listTasksContract(current: CurrentHarness): void {
  describe('listTasks', () => {
    let store: Store;

    beforeEach(() => {
      store = current().store;
    });

    // created_at seconds, with ties broken by task_id (descending)
    const layout: [string, number, TaskStatus][] = [
      ['t-a', 1, 'completed'],
      ['t-b', 2, 'queued'],
      ['t-c', 2, 'completed'],
      ['t-d', 2, 'running'],
      ['t-e', 3, 'completed'],
      ['t-f', 4, 'queued'],
      ['t-g', 4, 'completed'],
    ];
    const newestFirst = ['t-g', 't-f', 't-e', 't-d', 't-c', 't-b', 't-a'];

    beforeEach(async () => {
      // inserted in a scrambled order so no adapter can lean on insertion order
      for (const i of [3, 0, 6, 1, 5, 2, 4]) {
        const [id, second, status] = layout[i]!;
        await store.insertTask(makeTask({ task_id: id, created_at: at(second), status }));
      }
    });

    it('lists newest first: created_at descending, then task_id descending', async () => {
      const page = await store.listTasks({ limit: 100 });
      expect(page.items.map((t) => t.task_id)).toEqual(newestFirst);
      expect(page.next_cursor).toBeNull();
      expect(page.items[0]).toEqual(makeTask({ task_id: 't-g', created_at: at(4), status: 'completed' }));
    });

    it('a status with no tasks lists nothing', async () => {
      expect(await store.listTasks({ limit: 10, status: 'timed_out' })).toEqual({ items: [], next_cursor: null });
    });

    it('filters by status', async () => {
      expect((await store.listTasks({ limit: 100, status: 'completed' })).items.map((t) => t.task_id)).toEqual(['t-g', 't-e', 't-c', 't-a']);
      expect((await store.listTasks({ limit: 100, status: 'queued' })).items.map((t) => t.task_id)).toEqual(['t-f', 't-b']);
      expect((await store.listTasks({ limit: 100, status: 'interrupted' })).items).toEqual([]);
    });

    it('respects limit and hands out a cursor only when more remain', async () => {
      const first = await store.listTasks({ limit: 3 });
      expect(first.items.map((t) => t.task_id)).toEqual(newestFirst.slice(0, 3));
      expect(first.next_cursor).toEqual(expect.any(String));

      const exact = await store.listTasks({ limit: 7 });
      expect(exact.items).toHaveLength(7);
      expect(exact.next_cursor).toBeNull();

      expect((await store.listTasks({ limit: 1 })).items.map((t) => t.task_id)).toEqual(['t-g']);
    });

    it('pages through everything with no gap or duplicate, across ties on created_at', async () => {
      for (const limit of [1, 2, 3, 4, 6, 7]) {
        const { ids, pages } = await allPages(store, limit);
        expect(ids, `limit ${limit}`).toEqual(newestFirst);
        expect(pages).toBe(Math.ceil(newestFirst.length / limit));
      }
    });

    it('pages within a status filter', async () => {
      expect((await allPages(store, 1, 'completed')).ids).toEqual(['t-g', 't-e', 't-c', 't-a']);
      expect((await allPages(store, 3, 'completed')).ids).toEqual(['t-g', 't-e', 't-c', 't-a']);
      expect((await allPages(store, 1, 'queued')).ids).toEqual(['t-f', 't-b']);
    });

    it('cursors are stable under concurrent inserts', async () => {
      const first = await store.listTasks({ limit: 3 });
      expect(first.items.map((t) => t.task_id)).toEqual(['t-g', 't-f', 't-e']);
      // newer than the cursor: not on later pages; older or tied-but-lower: they are
      await store.insertTask(makeTask({ task_id: 't-z', created_at: at(9) }));
      await store.insertTask(makeTask({ task_id: 't-c3', created_at: at(3) })); // tied with t-e, lower id
      await store.insertTask(makeTask({ task_id: 't-e9', created_at: at(3) })); // tied with t-e, higher id
      await store.insertTask(makeTask({ task_id: 't-0', created_at: at(0) }));
      const rest: string[] = [];
      let cursor = first.next_cursor;
      while (cursor !== null) {
        const page = await store.listTasks({ limit: 3, cursor });
        rest.push(...page.items.map((t) => t.task_id));
        cursor = page.next_cursor;
      }
      expect(rest).toEqual(['t-c3', 't-d', 't-c', 't-b', 't-a', 't-0']);
    });

    it('a cursor still works after the task it points at is gone', async () => {
      const first = await store.listTasks({ limit: 2 });
      await store.updateTask('t-f', { status: 'completed', completed_at: at(5) });
      await store.pruneFinishedBefore(at(60), 100);
      expect(await store.getTask('t-f')).toBeNull();
      // the cursor (after t-f) still positions the next page
      const next = await store.listTasks({ limit: 10, cursor: first.next_cursor! });
      expect(next.items.map((t) => t.task_id)).toEqual(['t-e', 't-d', 't-c', 't-b', 't-a']);
    });

    it('an undecodable cursor is ignored and lists from the start', async () => {
      for (const cursor of ['not a cursor', Buffer.from('{"a":1}').toString('base64url'), '']) {
        const page = await store.listTasks({ limit: 2, cursor });
        expect(page.items.map((t) => t.task_id)).toEqual(['t-g', 't-f']);
      }
    });
  });
}

/** tasksWithStatus: every task in the given statuses, oldest first. */
export function tasksWithStatusContract(current: CurrentHarness): void {
  describe('tasksWithStatus', () => {
    let store: Store;

    beforeEach(() => {
      store = current().store;
    });

    it('returns every task in the given statuses, oldest first (created_at, then task_id)', async () => {
      await store.insertTask(makeTask({ task_id: 'r2', created_at: at(5), status: 'running' }));
      await store.insertTask(makeTask({ task_id: 'q1', created_at: at(1), status: 'queued' }));
      await store.insertTask(makeTask({ task_id: 'c1', created_at: at(0), status: 'completed' }));
      await store.insertTask(makeTask({ task_id: 'q3b', created_at: at(3), status: 'queued' }));
      await store.insertTask(makeTask({ task_id: 'q3a', created_at: at(3), status: 'queued' }));
      expect((await store.tasksWithStatus(['queued', 'running'])).map((t) => t.task_id)).toEqual(['q1', 'q3a', 'q3b', 'r2']);
      expect((await store.tasksWithStatus(['running'])).map((t) => t.task_id)).toEqual(['r2']);
      expect((await store.tasksWithStatus(['timed_out'])).map((t) => t.task_id)).toEqual([]);
      expect(await store.tasksWithStatus([])).toEqual([]);
      expect((await store.tasksWithStatus(['completed']))[0]).toEqual(makeTask({ task_id: 'c1', status: 'completed' }));
    });

    it('follows status changes', async () => {
      await store.insertTask(makeTask({ task_id: 'a' }));
      await store.updateTask('a', { status: 'running' });
      expect(await store.tasksWithStatus(['queued'])).toEqual([]);
      expect((await store.tasksWithStatus(['running'])).map((t) => t.task_id)).toEqual(['a']);
    });
  });
}
