import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/storage/store.js';
import type { Task } from '../../src/tasks/task-types.js';
import { at, makeTask, type CurrentHarness } from './store-contract-fixtures.js';

/** Task records: insert-if-absent, copies in and out, and updateTask. */
export function taskRecordsContract(current: CurrentHarness): void {
  describe('tasks', () => {
    let store: Store;

    beforeEach(() => {
      store = current().store;
    });

    it('inserts a task and reads it back unchanged', async () => {
      const task = makeTask({ error: { code: 'INTERNAL_ERROR', message: 'x' } as Task['error'] });
      expect(await store.insertTask(task)).toEqual({ inserted: true, task });
      expect(await store.getTask('task-1')).toEqual(task);
    });

    it('keeps the schedule that started a task', async () => {
      const task = makeTask({ schedule_id: 'acme~nightly' });
      await store.insertTask(task);
      expect(await store.getTask('task-1')).toEqual(task);
      expect((await store.updateTask('task-1', { status: 'running' }))?.schedule_id).toBe('acme~nightly');
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
}
