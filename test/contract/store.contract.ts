import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../src/events/event-types.js';
import type { Session } from '../../src/sessions/session-types.js';
import { EventSeqConflictError, type Store } from '../../src/storage/store.js';
import type { Task, TaskStatus } from '../../src/tasks/task-types.js';
import type { WebhookDelivery } from '../../src/webhooks/webhook-types.js';
import { taskRecord } from '../helpers/task-record.js';

export interface StoreHarness {
  store: Store;
  /** Closing the current store is the caller's job; this opens a new one on the same data. */
  reopen?: () => Promise<Store>;
  cleanup(): Promise<void>;
}

const at = (second: number): string => new Date(Date.UTC(2025, 0, 1, 0, 0, second)).toISOString();

export function makeTask(overrides: Partial<Task> = {}): Task {
  return taskRecord('task-1', 'queued', {
    tenant_id: 'default',
    session_id: 'session-1',
    prompt: 'Say hello',
    workspace: '/workspaces/one',
    options: { allowed_tools: ['Read', 'Edit'], permission_mode: 'acceptEdits', max_turns: 5, timeout: 60, model: null },
    created_at: at(0),
    request_hash: 'hash-1',
    ...overrides,
  });
}

export function makeSession(overrides: Partial<Session> = {}): Session {
  return {
    session_id: 'session-1',
    tenant_id: 'default',
    workspace: '/workspaces/one',
    status: 'idle',
    sdk_session_id: null,
    created_at: at(0),
    last_activity_at: at(0),
    task_count: 0,
    current_task_id: null,
    cost_usd: 0,
    sdk_cost_total_usd: 0,
    ...overrides,
  };
}

export function makeEvent(taskId: string, seq: number, text = `event ${seq}`): TaskEvent {
  return { task_id: taskId, seq, timestamp: at(seq), type: 'message', data: { role: 'assistant', text } };
}

const finished = (id: string, status: TaskStatus, completedAt: string | null): Task =>
  makeTask({ task_id: id, status, created_at: at(0), started_at: at(0), completed_at: completedAt });

async function appendMany(store: Store, taskId: string, count: number): Promise<void> {
  for (let seq = 1; seq <= count; seq++) await store.appendEvent(makeEvent(taskId, seq));
}

/** Every task, page by page, with the cursors handed out. */
async function allPages(store: Store, limit: number, status?: TaskStatus): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await store.listTasks({ limit, status, cursor });
    pages++;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((t) => t.task_id));
    if (page.next_cursor === null) return { ids, pages };
    cursor = page.next_cursor;
    if (pages > 100) throw new Error('paging does not terminate');
  }
}

/**
 * The storage contract of src/storage/store.ts, run against every adapter (in the manner of
 * Hono's common.case tests): each adapter's test file calls this with a factory.
 */
export function storeContract(name: string, makeStore: () => Promise<StoreHarness>): void {
  describe(`Store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;

    beforeEach(async () => {
      harness = await makeStore();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    describe('tasks', () => {
      it('inserts a task and reads it back unchanged', async () => {
        const task = makeTask({ error: { code: 'INTERNAL_ERROR', message: 'x' } as Task['error'] });
        expect(await store.insertTask(task)).toEqual({ inserted: true, task });
        expect(await store.getTask('task-1')).toEqual(task);
      });

      it('insertTask is insert-if-absent: a clash returns the stored task and leaves it untouched', async () => {
        const original = makeTask();
        await store.insertTask(original);
        const clash = await store.insertTask(makeTask({ prompt: 'Something else', request_hash: 'hash-2', status: 'running' }));
        expect(clash).toEqual({ inserted: false, task: original });
        expect(await store.getTask('task-1')).toEqual(original);
      });

      it('concurrent inserts of the same task_id: exactly one wins', async () => {
        const results = await Promise.all(Array.from({ length: 5 }, (_, i) => store.insertTask(makeTask({ request_hash: `hash-${i}` }))));
        expect(results.filter((r) => r.inserted)).toHaveLength(1);
        const winner = results.find((r) => r.inserted)!.task;
        for (const r of results) expect(r.task).toEqual(winner);
        expect(await store.getTask('task-1')).toEqual(winner);
      });

      it('returns copies: mutating inputs or results changes nothing stored', async () => {
        const input = makeTask();
        const inserted = (await store.insertTask(input)).task;
        expect(inserted).not.toBe(input);
        expect(inserted.options).not.toBe(input.options);
        input.prompt = 'mutated input';
        input.options.allowed_tools!.push('Bash');
        inserted.usage.input_tokens = 999;
        inserted.options.allowed_tools!.push('Write');
        const read = (await store.getTask('task-1'))!;
        read.status = 'failed';
        read.options.max_turns = 1;
        const listed = (await store.listTasks({ limit: 10 })).items[0]!;
        listed.usage.output_tokens = 999;
        const queued = (await store.tasksWithStatus(['queued']))[0]!;
        queued.options.model = 'mutated';
        const clash = (await store.insertTask(makeTask())).task;
        clash.options.allowed_tools!.length = 0;
        const updated = (await store.updateTask('task-1', { usage: { input_tokens: 1, output_tokens: 2 } }))!;
        updated.usage.input_tokens = 999;

        expect(await store.getTask('task-1')).toEqual(makeTask({ usage: { input_tokens: 1, output_tokens: 2 } }));
      });

      it('a patch passed to updateTask is copied, not kept', async () => {
        await store.insertTask(makeTask());
        const patch = { usage: { input_tokens: 5, output_tokens: 6 }, error: { code: 'INTERNAL_ERROR', message: 'boom' } as Task['error'] };
        await store.updateTask('task-1', patch);
        patch.usage.input_tokens = 999;
        patch.error!.message = 'mutated';
        const task = (await store.getTask('task-1'))!;
        expect(task.usage).toEqual({ input_tokens: 5, output_tokens: 6 });
        expect(task.error).toEqual({ code: 'INTERNAL_ERROR', message: 'boom' });
      });

      it('getTask and updateTask of a missing task return null and create nothing', async () => {
        expect(await store.getTask('nope')).toBeNull();
        expect(await store.updateTask('nope', { status: 'running' })).toBeNull();
        expect(await store.getTask('nope')).toBeNull();
        expect(await store.listTasks({ limit: 10 })).toEqual({ items: [], next_cursor: null });
      });

      it('updateTask applies the patch, keeps every other field and returns the updated task', async () => {
        const task = makeTask();
        await store.insertTask(task);
        const running = await store.updateTask('task-1', { status: 'running', started_at: at(1) });
        expect(running).toEqual({ ...task, status: 'running', started_at: at(1) });

        const patch = {
          status: 'failed' as const,
          completed_at: at(9),
          result: 'partial',
          usage: { input_tokens: 10, output_tokens: 20 },
          num_turns: 3,
          cost_usd: 0.0125,
          duration_ms: 8000,
          error: { code: 'INTERNAL_ERROR', message: 'boom' } as Task['error'],
        };
        const done = await store.updateTask('task-1', patch);
        expect(done).toEqual({ ...task, started_at: at(1), ...patch });
        expect(await store.getTask('task-1')).toEqual(done);

        // nullable fields go back to null
        const cleared = await store.updateTask('task-1', { error: null, result: null, duration_ms: null });
        expect(cleared).toEqual({ ...done, error: null, result: null, duration_ms: null });
        expect(await store.getTask('task-1')).toEqual(cleared);

        // an empty patch changes nothing
        expect(await store.updateTask('task-1', {})).toEqual(cleared);
      });

      it('updateTask of one task leaves the others alone', async () => {
        await store.insertTask(makeTask({ task_id: 'a' }));
        await store.insertTask(makeTask({ task_id: 'b' }));
        await store.updateTask('a', { status: 'running' });
        expect((await store.getTask('b'))!.status).toBe('queued');
      });
    });

    describe('listTasks', () => {
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

    describe('tasksWithStatus', () => {
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

    describe('sessions', () => {
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

    describe('events', () => {
      it('appends events in seq order and reads them back', async () => {
        const events: TaskEvent[] = [
          { task_id: 't', seq: 1, timestamp: at(1), type: 'message', data: { role: 'assistant', text: 'hi ✓ "quoted"' } },
          {
            task_id: 't',
            seq: 2,
            timestamp: at(2),
            type: 'tool_use',
            data: { tool_use_id: 'u1', name: 'Edit', input: { path: 'a.ts', n: [1, 2, { deep: null }] } },
          },
          { task_id: 't', seq: 3, timestamp: at(3), type: 'tool_result', data: { tool_use_id: 'u1', content: 'ok', is_error: false } },
          {
            task_id: 't',
            seq: 4,
            timestamp: at(4),
            type: 'progress',
            data: { turns: 1, input_tokens: 10, output_tokens: 5, cost_usd: 0.001, files_changed: ['a.ts'] },
          },
          { task_id: 't', seq: 5, timestamp: at(5), type: 'error', data: { code: 'X', message: 'y' } },
          {
            task_id: 't',
            seq: 6,
            timestamp: at(6),
            type: 'complete',
            data: {
              status: 'completed',
              result: 'done',
              usage: { input_tokens: 10, output_tokens: 5 },
              num_turns: 1,
              cost_usd: 0.001,
              duration_ms: 1234,
              error: null,
            },
          },
        ];
        for (const event of events) await store.appendEvent(event);
        expect(await store.readEvents('t', 0)).toEqual(events);
        expect(await store.lastEventSeq('t')).toBe(6);
      });

      it('the first event must have seq 1', async () => {
        await expect(store.appendEvent(makeEvent('t', 0))).rejects.toBeInstanceOf(EventSeqConflictError);
        await expect(store.appendEvent(makeEvent('t', 2))).rejects.toBeInstanceOf(EventSeqConflictError);
        expect(await store.lastEventSeq('t')).toBe(0);
        await store.appendEvent(makeEvent('t', 1));
        expect(await store.lastEventSeq('t')).toBe(1);
      });

      it('rejects a duplicate or a gap and stores neither', async () => {
        await appendMany(store, 't', 3);
        await expect(store.appendEvent(makeEvent('t', 3, 'duplicate'))).rejects.toBeInstanceOf(EventSeqConflictError);
        await expect(store.appendEvent(makeEvent('t', 1, 'duplicate'))).rejects.toBeInstanceOf(EventSeqConflictError);
        await expect(store.appendEvent(makeEvent('t', 5, 'gap'))).rejects.toBeInstanceOf(EventSeqConflictError);
        await expect(store.appendEvent(makeEvent('t', -1))).rejects.toBeInstanceOf(EventSeqConflictError);
        await expect(store.appendEvent(makeEvent('t', 3.5))).rejects.toBeInstanceOf(EventSeqConflictError);
        expect(await store.lastEventSeq('t')).toBe(3);
        expect((await store.readEvents('t', 0)).map((e) => e.seq)).toEqual([1, 2, 3]);
        expect((await store.readEvents('t', 0))[2]).toEqual(makeEvent('t', 3));
        await store.appendEvent(makeEvent('t', 4));
        expect(await store.lastEventSeq('t')).toBe(4);
      });

      it('the rejection is an EventSeqConflictError naming the expected seq', async () => {
        await appendMany(store, 't', 2);
        const error = await store.appendEvent(makeEvent('t', 7)).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(EventSeqConflictError);
        expect((error as Error).message).toContain('must be 3');
      });

      it('concurrent appends of the same seq: exactly one is stored', async () => {
        await appendMany(store, 't', 1);
        const results = await Promise.allSettled([2, 2, 2].map((seq, i) => store.appendEvent(makeEvent('t', seq, `racer ${i}`))));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(EventSeqConflictError);
        expect(await store.lastEventSeq('t')).toBe(2);
        expect(await store.readEvents('t', 0)).toHaveLength(2);
      });

      it('keeps a separate sequence per task', async () => {
        await appendMany(store, 'a', 3);
        await appendMany(store, 'b', 1);
        expect(await store.lastEventSeq('a')).toBe(3);
        expect(await store.lastEventSeq('b')).toBe(1);
        expect((await store.readEvents('b', 0)).map((e) => [e.task_id, e.seq])).toEqual([['b', 1]]);
        await expect(store.appendEvent(makeEvent('b', 4))).rejects.toBeInstanceOf(EventSeqConflictError);
      });

      it('readEvents returns seq > afterSeq in order, at most limit of them', async () => {
        await appendMany(store, 't', 10);
        const seqs = async (after: number, limit?: number) => (await store.readEvents('t', after, limit)).map((e) => e.seq);
        expect(await seqs(0)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(await seqs(4)).toEqual([5, 6, 7, 8, 9, 10]);
        expect(await seqs(4, 3)).toEqual([5, 6, 7]);
        expect(await seqs(0, 1)).toEqual([1]);
        expect(await seqs(8, 5)).toEqual([9, 10]);
        expect(await seqs(9)).toEqual([10]);
        expect(await seqs(10)).toEqual([]);
        expect(await seqs(50)).toEqual([]);
        expect(await seqs(0, 0)).toEqual([]);
        expect(await seqs(-3, 2)).toEqual([1, 2]);
      });

      it('unknown tasks have no events and lastEventSeq 0', async () => {
        expect(await store.readEvents('nope', 0)).toEqual([]);
        expect(await store.lastEventSeq('nope')).toBe(0);
      });

      it('returns copies and keeps none of the appended object', async () => {
        const event = makeEvent('t', 1, 'original');
        await store.appendEvent(event);
        (event.data as { text: string }).text = 'mutated input';
        const [read] = await store.readEvents('t', 0);
        (read!.data as { text: string }).text = 'mutated output';
        expect(await store.readEvents('t', 0)).toEqual([makeEvent('t', 1, 'original')]);
      });

      it('many sequential appends all land', async () => {
        await appendMany(store, 't', 500);
        expect(await store.lastEventSeq('t')).toBe(500);
        const tail = await store.readEvents('t', 490);
        expect(tail.map((e) => e.seq)).toEqual([491, 492, 493, 494, 495, 496, 497, 498, 499, 500]);
      });
    });

    describe('pruneFinishedBefore', () => {
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

    it('close() can be called twice', async () => {
      await store.close();
      await store.close();
    });

    describe('webhook outbox, diffs and tenant spend', () => {
      const delivery = (id: string, taskId: string, due: string | null, overrides: Partial<WebhookDelivery> = {}): WebhookDelivery => ({
        webhook_id: id,
        task_id: taskId,
        tenant_id: 'default',
        url: 'https://example.com/hook',
        event: 'completed',
        payload: `{"id":"${id}"}`,
        status: 'pending',
        attempts: 0,
        next_attempt_at: due,
        last_status_code: null,
        last_error: null,
        created_at: at(1),
        delivered_at: null,
        ...overrides,
      });

      it('claims only pending deliveries that are due, oldest first, and leases them', async () => {
        await store.insertWebhookDelivery(delivery('d-late', 't1', at(20)));
        await store.insertWebhookDelivery(delivery('d-early', 't1', at(5)));
        await store.insertWebhookDelivery(delivery('d-future', 't2', at(50)));
        await store.insertWebhookDelivery(delivery('d-done', 't2', null, { status: 'delivered' }));
        const claimed = await store.claimDueWebhookDeliveries(at(30), at(40), 10);
        expect(claimed.map((d) => d.webhook_id)).toEqual(['d-early', 'd-late']);
        expect(claimed.every((d) => d.next_attempt_at === at(40))).toBe(true);
        // Leased: not claimable again until the lease has passed.
        expect(await store.claimDueWebhookDeliveries(at(30), at(45), 10)).toEqual([]);
        expect((await store.claimDueWebhookDeliveries(at(41), at(60), 1)).map((d) => d.webhook_id)).toEqual(['d-early']);
        expect(await store.claimDueWebhookDeliveries(at(41), at(60), 0)).toEqual([]);
      });

      it("updates deliveries, lists a task's deliveries oldest first, and ignores a duplicate id", async () => {
        await store.insertWebhookDelivery(delivery('d-2', 't1', at(5), { created_at: at(2) }));
        await store.insertWebhookDelivery(delivery('d-1', 't1', at(5)));
        await store.insertWebhookDelivery(delivery('d-1', 't1', at(9), { url: 'https://other.example' }));
        await store.updateWebhookDelivery('d-1', { status: 'delivered', attempts: 2, next_attempt_at: null, last_status_code: 200, delivered_at: at(7) });
        await store.updateWebhookDelivery('missing', { status: 'failed' });
        const listed = await store.listWebhookDeliveries('t1');
        expect(listed.map((d) => d.webhook_id)).toEqual(['d-1', 'd-2']);
        expect(listed[0]).toEqual(delivery('d-1', 't1', null, { status: 'delivered', attempts: 2, last_status_code: 200, delivered_at: at(7) }));
        expect(await store.listWebhookDeliveries('t2')).toEqual([]);
      });

      it("keeps one diff per task, and sums a tenant's spend since a date", async () => {
        expect(await store.getTaskDiff('t1')).toBeNull();
        await store.saveTaskDiff('t1', 'first');
        await store.saveTaskDiff('t1', 'second');
        expect(await store.getTaskDiff('t1')).toBe('second');

        await store.insertTask(makeTask({ task_id: 'spend-old', tenant_id: 'acme', created_at: at(1), cost_usd: 5 }));
        await store.insertTask(makeTask({ task_id: 'spend-a', tenant_id: 'acme', created_at: at(10), cost_usd: 0.25 }));
        await store.insertTask(makeTask({ task_id: 'spend-b', tenant_id: 'acme', created_at: at(20), cost_usd: 0.5 }));
        await store.insertTask(makeTask({ task_id: 'spend-other', tenant_id: 'other', created_at: at(20), cost_usd: 7 }));
        expect(await store.tenantSpendSince('acme', at(10))).toBeCloseTo(0.75, 10);
        expect(await store.tenantSpendSince('nobody', at(0))).toBe(0);
      });

      it("prunes a task's deliveries and diff with it", async () => {
        await store.insertTask(makeTask({ task_id: 'gone', status: 'completed', completed_at: at(1) }));
        await store.insertWebhookDelivery(delivery('d-gone', 'gone', at(5)));
        await store.saveTaskDiff('gone', 'diff');
        expect(await store.pruneFinishedBefore(at(2), 10)).toBe(1);
        expect(await store.listWebhookDeliveries('gone')).toEqual([]);
        expect(await store.getTaskDiff('gone')).toBeNull();
        expect(await store.claimDueWebhookDeliveries(at(30), at(40), 10)).toEqual([]);
      });

      it('stores the webhook and changed files of a task', async () => {
        const files = [{ path: 'a.txt', change: 'created' as const, additions: 1, deletions: 0, binary: false }];
        await store.insertTask(makeTask({ task_id: 'with-extras', webhook: { url: 'https://example.com/h', events: ['failed'] } }));
        const updated = await store.updateTask('with-extras', { changed_files: files });
        expect(updated).toMatchObject({ webhook: { url: 'https://example.com/h', events: ['failed'] }, changed_files: files });
        expect((await store.getTask('with-extras'))!.changed_files).toEqual(files);
      });
    });

    describe('durability', () => {
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
  });
}
