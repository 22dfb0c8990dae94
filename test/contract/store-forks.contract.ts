import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/storage/store.js';
import { makeSession, makeTask, type CurrentHarness, type StoreHarness } from './store-contract-fixtures.js';

/** What forked sessions keep: each task's fork point, and a session's origin and latest fork point. */
export function forksContract(current: CurrentHarness): void {
  describe('forks', () => {
    let harness: StoreHarness;
    let store: Store;

    beforeEach(() => {
      harness = current();
      store = harness.store;
    });

    it("keeps a task's fork point, absent until set", async () => {
      await store.insertTask(makeTask());
      expect(await store.getTask('task-1')).not.toHaveProperty('fork_point');
      const point = { sdk_session_id: '0b6f1c9e-2f7b-4a43-9d55-1f0c3c2e7a10', message_uuid: '7d1f3a52-8f0e-4f7a-9f0c-5a1b2c3d4e5f' };
      const updated = await store.updateTask('task-1', { status: 'completed', fork_point: point });
      expect(updated?.fork_point).toEqual(point);
      expect((await store.getTask('task-1'))?.fork_point).toEqual(point);
      expect((await store.listTasks({ limit: 10 })).items[0]?.fork_point).toEqual(point);
    });

    it("keeps a session's forked_from and its last turn, absent until set", async () => {
      await store.insertSession(makeSession());
      const plain = await store.getSession('session-1');
      expect(plain).not.toHaveProperty('forked_from');
      expect(plain).not.toHaveProperty('last_turn_task_id');

      const forked = makeSession({ session_id: 'fork-1', forked_from: { session_id: 'session-1', task_id: 'task-1' } });
      expect(await store.insertSession(forked)).toEqual({ inserted: true, session: forked });
      expect(await store.getSession('fork-1')).toEqual(forked);

      const turned = await store.updateSession('fork-1', { last_turn_task_id: 'task-9' });
      expect(turned).toEqual({ ...forked, last_turn_task_id: 'task-9' });
      expect((await store.listSessions()).find((s) => s.session_id === 'fork-1')).toEqual({ ...forked, last_turn_task_id: 'task-9' });
    });

    it('both outlive a reopen', async (ctx) => {
      if (!harness.reopen) return ctx.skip();
      const point = { sdk_session_id: 'sdk-a', message_uuid: 'msg-a' };
      await store.insertTask(makeTask());
      await store.updateTask('task-1', { fork_point: point });
      await store.insertSession(makeSession({ forked_from: { session_id: 'origin', task_id: 'task-0' } }));
      await store.updateSession('session-1', { last_turn_task_id: 'task-1' });
      await store.close();
      store = await harness.reopen();
      expect((await store.getTask('task-1'))?.fork_point).toEqual(point);
      expect(await store.getSession('session-1')).toMatchObject({ forked_from: { session_id: 'origin', task_id: 'task-0' }, last_turn_task_id: 'task-1' });
    });
  });
}
