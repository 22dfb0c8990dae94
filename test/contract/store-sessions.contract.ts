import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/storage/store.js';
import { at, makeSession, makeTask, type CurrentHarness } from './store-contract-fixtures.js';

/** Session records: insert-if-absent, get, update, delete, list, copies. */
export function sessionsContract(current: CurrentHarness): void {
  describe('sessions', () => {
    let store: Store;

    beforeEach(() => {
      store = current().store;
    });

    it('inserts, reads, updates and deletes a session', async () => {
      const session = makeSession();
      expect(await store.insertSession(session)).toEqual({ inserted: true, session });
      expect(await store.getSession('session-1')).toEqual(session);

      const patch = {
        status: 'busy' as const,
        sdk_session_id: 'sdk-1',
        last_activity_at: at(7),
        task_count: 2,
        current_task_id: 'task-2',
        cost_usd: 0.5,
        sdk_cost_total_usd: 0.75,
      };
      const updated = await store.updateSession('session-1', patch);
      expect(updated).toEqual({ ...session, ...patch });
      expect(await store.getSession('session-1')).toEqual(updated);

      const idle = await store.updateSession('session-1', { status: 'idle', current_task_id: null });
      expect(idle).toEqual({ ...session, ...patch, status: 'idle', current_task_id: null });

      expect(await store.deleteSession('session-1')).toBe(true);
      expect(await store.getSession('session-1')).toBeNull();
      expect(await store.deleteSession('session-1')).toBe(false);
      expect(await store.updateSession('session-1', { status: 'idle' })).toBeNull();
      expect(await store.listSessions()).toEqual([]);
    });

    it('insertSession is insert-if-absent', async () => {
      const original = makeSession();
      await store.insertSession(original);
      const clash = await store.insertSession(makeSession({ workspace: '/elsewhere', task_count: 9 }));
      expect(clash).toEqual({ inserted: false, session: original });
      expect(await store.getSession('session-1')).toEqual(original);

      const results = await Promise.all([1, 2, 3].map((i) => store.insertSession(makeSession({ session_id: 'race', task_count: i }))));
      expect(results.filter((r) => r.inserted)).toHaveLength(1);
    });

    it('missing sessions: get and update return null, delete returns false, nothing is created', async () => {
      expect(await store.getSession('nope')).toBeNull();
      expect(await store.updateSession('nope', { status: 'busy' })).toBeNull();
      expect(await store.deleteSession('nope')).toBe(false);
      expect(await store.listSessions()).toEqual([]);
    });

    it('deleting one session leaves the others and their tasks', async () => {
      await store.insertSession(makeSession({ session_id: 'a' }));
      await store.insertSession(makeSession({ session_id: 'b' }));
      await store.insertTask(makeTask({ session_id: 'a' }));
      expect(await store.deleteSession('a')).toBe(true);
      expect((await store.listSessions()).map((s) => s.session_id)).toEqual(['b']);
      expect(await store.getTask('task-1')).not.toBeNull();
    });

    it('lists sessions oldest first', async () => {
      await store.insertSession(makeSession({ session_id: 's3', created_at: at(3) }));
      await store.insertSession(makeSession({ session_id: 's1', created_at: at(1) }));
      await store.insertSession(makeSession({ session_id: 's2', created_at: at(2) }));
      expect((await store.listSessions()).map((s) => s.session_id)).toEqual(['s1', 's2', 's3']);
    });

    it('returns copies', async () => {
      const input = makeSession();
      const inserted = (await store.insertSession(input)).session;
      expect(inserted).not.toBe(input);
      input.task_count = 100;
      inserted.status = 'expired';
      (await store.getSession('session-1'))!.cost_usd = 100;
      (await store.listSessions())[0]!.workspace = '/mutated';
      (await store.updateSession('session-1', { task_count: 1 }))!.task_count = 100;
      (await store.insertSession(makeSession())).session.sdk_session_id = 'mutated';
      expect(await store.getSession('session-1')).toEqual(makeSession({ task_count: 1 }));
    });
  });
}
