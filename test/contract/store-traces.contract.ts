import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/storage/store.js';
import { makeTask, type CurrentHarness } from './store-contract-fixtures.js';

/** A task's trace context is kept from submit on, so whichever instance runs the task continues its trace. */
export function tracesContract(current: CurrentHarness): void {
  describe('trace context', () => {
    let store: Store;

    beforeEach(() => {
      store = current().store;
    });

    it("keeps a task's trace context through updates and listing; absent for an untraced task", async () => {
      const trace_context = {
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-a3ce929d0e0e4736-01',
        parent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      };
      await store.insertTask(makeTask({ task_id: 'traced', trace_context }));
      await store.insertTask(makeTask({ task_id: 'plain' }));
      expect((await store.getTask('traced'))?.trace_context).toEqual(trace_context);
      expect(await store.getTask('plain')).not.toHaveProperty('trace_context');
      expect((await store.updateTask('traced', { status: 'running' }))?.trace_context).toEqual(trace_context);
      expect((await store.listTasks({ limit: 10 })).items.find((t) => t.task_id === 'traced')?.trace_context).toEqual(trace_context);
    });
  });
}
