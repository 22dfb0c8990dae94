import { afterEach, describe, expect, it } from 'vitest';
import type { ClaimedTask, QueueLimits, TaskQueue } from '../../src/tasks/queue/task-queue.js';
import type { QueueFactory } from './task-queue.contract.js';

const BASE: QueueLimits = { maxConcurrent: 10, queueMax: 100, tenantCaps: {}, leaseMs: 30_000, affinityMs: 0 };

/** The priority rules of the claim, held by every TaskQueue adapter (see src/tasks/queue/task-queue.ts). */
export function taskQueuePriorityContract(name: string, factory: QueueFactory): void {
  describe(`TaskQueue priority contract: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      while (cleanups.length > 0) await cleanups.pop()!();
    });

    async function open(limits: Partial<QueueLimits> = {}): Promise<TaskQueue> {
      const { queue, cleanup } = await factory({ ...BASE, ...limits });
      cleanups.push(cleanup);
      return queue;
    }

    async function submit(queue: TaskQueue, taskId: string, priority: number | undefined, tenantId = 't', sessionId = `s-${taskId}`): Promise<void> {
      await queue.enqueue({ taskId, sessionId, tenantId, priority }, await queue.reserve(tenantId));
    }

    async function claimAll(queue: TaskQueue, instanceId = 'i1'): Promise<ClaimedTask[]> {
      const claimed: ClaimedTask[] = [];
      for (let next = await queue.claim(instanceId); next; next = await queue.claim(instanceId)) claimed.push(next);
      return claimed;
    }

    it('claims higher priorities first, and reports each claimed task with its priority', async () => {
      const queue = await open();
      await submit(queue, 'p1', 1);
      await submit(queue, 'p5', 5);
      await submit(queue, 'p9', 9);
      await submit(queue, 'p0', 0);
      await submit(queue, 'p7', 7);
      const claimed = await claimAll(queue);
      expect(claimed.map((c) => c.taskId)).toEqual(['p9', 'p7', 'p5', 'p1', 'p0']);
      expect(claimed.map((c) => c.priority)).toEqual([9, 7, 5, 1, 0]);
    });

    it('is FIFO within a priority, and an item without one counts as 5', async () => {
      const queue = await open();
      await submit(queue, 'a', 5);
      await submit(queue, 'low', 2);
      await submit(queue, 'b', undefined);
      await submit(queue, 'c', 5);
      await submit(queue, 'high', 8);
      await submit(queue, 'd', undefined);
      const claimed = await claimAll(queue);
      expect(claimed.map((c) => c.taskId)).toEqual(['high', 'a', 'b', 'c', 'd', 'low']);
      expect(claimed.find((c) => c.taskId === 'b')?.priority).toBe(5);
    });

    it('lets a lower-priority task start when every higher one waits on its busy session', async () => {
      const queue = await open();
      await submit(queue, 'first', 5, 't', 'S');
      const [first] = await claimAll(queue);
      await submit(queue, 'urgent', 9, 't', 'S');
      await submit(queue, 'other', 1, 't', 'O');
      expect((await claimAll(queue)).map((c) => c.taskId)).toEqual(['other']);
      await queue.finish(first!, false);
      expect((await claimAll(queue)).map((c) => c.taskId)).toEqual(['urgent']);
    });

    it("orders a session's own waiting tasks by priority, and a cancel hands the lead to the next", async () => {
      const queue = await open();
      await submit(queue, 'run', 5, 't', 'S');
      const [running] = await claimAll(queue);
      await submit(queue, 's1', 1, 't', 'S');
      await submit(queue, 's9', 9, 't', 'S');
      await submit(queue, 's7', 7, 't', 'S');
      await submit(queue, 'other6', 6, 't', 'O');
      await submit(queue, 'other2', 2, 't', 'O');
      expect((await claimAll(queue)).map((c) => c.taskId)).toEqual(['other6']);
      expect(await queue.cancel('s9')).toBe(true);
      await queue.finish(running!, false);
      const next = await claimAll(queue);
      expect(next.map((c) => c.taskId)).toEqual(['s7']);
      await queue.finish(next[0]!, false);
      expect((await claimAll(queue)).map((c) => c.taskId)).toEqual(['s1']);
      expect(await queue.counts()).toEqual({ queued: 1, running: 2 });
    });

    it('ranks a session by its best task still waiting, after a claim or a cancel took its best one', async () => {
      const queue = await open();
      await submit(queue, 'a9', 9, 't', 'A');
      await submit(queue, 'a1', 1, 't', 'A');
      await submit(queue, 'b5', 5, 't', 'B');
      await submit(queue, 'c9', 9, 't', 'C');
      await submit(queue, 'c3', 3, 't', 'C');
      const a9 = (await queue.claim('i1'))!;
      expect(a9.taskId).toBe('a9');
      await queue.finish(a9, false);
      expect(await queue.cancel('c9')).toBe(true);
      expect((await claimAll(queue)).map((c) => c.taskId)).toEqual(['b5', 'c3', 'a1']);
    });

    it('a requeued task keeps its priority: through take-over of a lost lease and a requeue', async () => {
      const queue = await open({ leaseMs: 200 });
      await submit(queue, 'urgent', 9);
      const lost = (await queue.claim('dead-instance'))!;
      expect(lost.priority).toBe(9);
      await submit(queue, 'n1', 5);
      await submit(queue, 'n2', 5);
      let expired = await queue.expired();
      for (const deadline = Date.now() + 15_000; expired.length === 0 && Date.now() < deadline; expired = await queue.expired()) {
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(expired).toEqual([{ taskId: 'urgent', sessionId: 's-urgent', tenantId: 't', priority: 9 }]);
      const taken = (await queue.takeOver('urgent', 'reaper'))!;
      expect(taken.priority).toBe(9);
      // The reaper's path: the task never started, so its lease ends and it goes back in the queue.
      expect(await queue.finish(taken, false)).toBe(true);
      await queue.requeue({ taskId: taken.taskId, sessionId: taken.sessionId, tenantId: taken.tenantId, priority: taken.priority });
      const claimed = await claimAll(queue);
      expect(claimed.map((c) => [c.taskId, c.priority])).toEqual([
        ['urgent', 9],
        ['n1', 5],
        ['n2', 5],
      ]);
    });

    it('a cancelled task leaves its priority queue: it is never claimed and holds nothing up', async () => {
      const queue = await open();
      await submit(queue, 'gone', 9);
      await submit(queue, 'kept', 1);
      expect(await queue.cancel('gone')).toBe(true);
      expect((await claimAll(queue)).map((c) => c.taskId)).toEqual(['kept']);
      expect(await queue.counts()).toEqual({ queued: 0, running: 1 });
    });

    it("fair share before priority: one tenant's priority-9 flood cannot starve another tenant", async () => {
      const queue = await open({ maxConcurrent: 100 });
      for (let i = 0; i < 20; i++) await submit(queue, `flood${i}`, 9, 'flooder');
      await submit(queue, 'quiet1', 0, 'quiet');
      await submit(queue, 'quiet2', 1, 'quiet');
      // Equal running counts: priority breaks the tie; then whoever runs fewer goes first.
      const firstFour = [await queue.claim('i1'), await queue.claim('i1'), await queue.claim('i1'), await queue.claim('i1')];
      expect(firstFour.map((c) => c?.taskId)).toEqual(['flood0', 'quiet2', 'flood1', 'quiet1']);
      // The flooder keeps running; as soon as the quiet tenant runs fewer, its new task goes next.
      const [, quiet2, , quiet1] = firstFour as ClaimedTask[];
      await queue.finish(quiet2!, false);
      await queue.finish(quiet1!, false);
      await submit(queue, 'quiet3', 0, 'quiet');
      expect((await queue.claim('i1'))?.taskId).toBe('quiet3');
      expect((await queue.claim('i1'))?.taskId).toBe('flood2');
    });

    it('within the tenant that runs fewest, the highest priority goes first, whatever the other tenants hold', async () => {
      const queue = await open();
      await submit(queue, 'busy-running', 5, 'busy');
      await claimAll(queue);
      await submit(queue, 'busy9', 9, 'busy');
      await submit(queue, 'idle3', 3, 'idle');
      await submit(queue, 'idle6', 6, 'idle');
      expect((await claimAll(queue)).map((c) => c.taskId)).toEqual(['idle6', 'busy9', 'idle3']);
    });

    it('a tenant at its cap is passed over whatever its priority', async () => {
      const queue = await open({ tenantCaps: { capped: 1 } });
      await submit(queue, 'c1', 9, 'capped');
      await submit(queue, 'c2', 9, 'capped');
      await submit(queue, 'f1', 0, 'free');
      await submit(queue, 'f2', 0, 'free');
      expect((await claimAll(queue)).map((c) => c.taskId)).toEqual(['c1', 'f1', 'f2']);
    });
  });
}
