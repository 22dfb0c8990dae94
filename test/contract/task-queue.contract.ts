import { afterEach, describe, expect, it } from 'vitest';
import { QueueFullError, type ClaimedTask, type ControlMessage, type QueueLimits, type TaskQueue } from '../../src/tasks/queue/task-queue.js';

export type QueueFactory = (limits: QueueLimits) => Promise<{ queue: TaskQueue; cleanup(): Promise<void> }>;

const BASE: QueueLimits = { maxConcurrent: 10, queueMax: 100, tenantCaps: {}, leaseMs: 30_000, affinityMs: 0 };

async function eventually<T>(probe: () => Promise<T | null | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The scheduler's rules, held by every TaskQueue adapter (see src/tasks/queue/task-queue.ts). */
export function taskQueueContract(name: string, factory: QueueFactory): void {
  describe(`TaskQueue contract: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      while (cleanups.length > 0) await cleanups.pop()!();
    });

    async function open(limits: Partial<QueueLimits> = {}): Promise<TaskQueue> {
      const { queue, cleanup } = await factory({ ...BASE, ...limits });
      cleanups.push(cleanup);
      return queue;
    }

    async function submit(queue: TaskQueue, taskId: string, sessionId = `s-${taskId}`, tenantId = 't'): Promise<void> {
      await queue.enqueue({ taskId, sessionId, tenantId }, await queue.reserve(tenantId));
    }

    async function claimAll(queue: TaskQueue, instanceId = 'i1'): Promise<ClaimedTask[]> {
      const claimed: ClaimedTask[] = [];
      for (let next = await queue.claim(instanceId); next; next = await queue.claim(instanceId)) claimed.push(next);
      return claimed;
    }

    it('claims in FIFO order and leases each task with a fence', async () => {
      const queue = await open();
      for (const id of ['a', 'b', 'c']) await submit(queue, id);
      const claimed = await claimAll(queue);
      expect(claimed.map((c) => c.taskId)).toEqual(['a', 'b', 'c']);
      expect(new Set(claimed.map((c) => c.fence)).size).toBe(3);
      expect(claimed[0]).toMatchObject({ sessionId: 's-a', tenantId: 't' });
      expect(await queue.counts()).toEqual({ queued: 0, running: 3 });
    });

    it('runs one task per session without holding up other sessions', async () => {
      const queue = await open();
      await submit(queue, 'a1', 'A');
      await submit(queue, 'a2', 'A');
      await submit(queue, 'b1', 'B');
      const first = await claimAll(queue);
      expect(first.map((c) => c.taskId)).toEqual(['a1', 'b1']);
      expect(await queue.hasWorkFor('A')).toBe(true);
      expect(await queue.finish(first[0]!, false)).toBe(true);
      expect((await claimAll(queue)).map((c) => c.taskId)).toEqual(['a2']);
    });

    it('starts the task of the tenant with the fewest running tasks first, FIFO among equals', async () => {
      const queue = await open();
      await submit(queue, 'x1', 'sx1', 'x');
      await submit(queue, 'x2', 'sx2', 'x');
      const [x1] = await claimAll(queue);
      await submit(queue, 'x3', 'sx3', 'x');
      await submit(queue, 'y1', 'sy1', 'y');
      await submit(queue, 'y2', 'sy2', 'y');
      expect(x1?.taskId).toBe('x1');
      // x2 was claimed with x1 (nothing else waited); now x has 2 running, y none.
      const next = await claimAll(queue);
      expect(next.map((c) => c.taskId)).toEqual(['y1', 'y2', 'x3']);
    });

    it('holds each tenant to its own cap', async () => {
      const queue = await open({ tenantCaps: { capped: 1 } });
      await submit(queue, 'c1', 'sc1', 'capped');
      await submit(queue, 'c2', 'sc2', 'capped');
      await submit(queue, 'f1', 'sf1', 'free');
      const claimed = await claimAll(queue);
      expect(claimed.map((c) => c.taskId)).toEqual(['c1', 'f1']);
      await queue.finish(claimed[0]!, false);
      expect((await claimAll(queue)).map((c) => c.taskId)).toEqual(['c2']);
    });

    it('refuses past the tenant bound with QueueFullError, counting reservations, per tenant', async () => {
      const queue = await open({ maxConcurrent: 1, queueMax: 1 });
      const r1 = await queue.reserve('t');
      await queue.reserve('t');
      const refused = await queue.reserve('t').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(QueueFullError);
      expect((refused as QueueFullError).retryAfterSeconds).toBeGreaterThan(0);
      await queue.reserve('other');
      await queue.release(r1);
      await queue.release(r1);
      await queue.reserve('t');
      await expect(queue.reserve('t')).rejects.toBeInstanceOf(QueueFullError);
    });

    it('counts queued and running tasks against the bound, and frees room as they finish', async () => {
      const queue = await open({ maxConcurrent: 1, queueMax: 1 });
      await submit(queue, 'a');
      await submit(queue, 'b');
      await expect(queue.reserve('t')).rejects.toBeInstanceOf(QueueFullError);
      const a = await queue.claim('i1');
      await expect(queue.reserve('t')).rejects.toBeInstanceOf(QueueFullError);
      await queue.finish(a!, false);
      await queue.release(await queue.reserve('t'));
    });

    it("tasks running beyond one instance's slots (on other instances) do not shrink the queue's room", async () => {
      const queue = await open({ maxConcurrent: 1, queueMax: 2 });
      await submit(queue, 'a');
      await submit(queue, 'b');
      expect(await claimAll(queue)).toHaveLength(2); // two instances, one slot each
      await submit(queue, 'c');
      await submit(queue, 'd');
      await expect(queue.reserve('t')).rejects.toBeInstanceOf(QueueFullError);
    });

    it('cancels a queued task so it is never claimed; a running or unknown one is not cancelled', async () => {
      const queue = await open();
      await submit(queue, 'a');
      await submit(queue, 'b');
      const [a] = [await queue.claim('i1')];
      expect(await queue.cancel('b')).toBe(true);
      expect(await queue.cancel('b')).toBe(false);
      expect(await queue.cancel(a!.taskId)).toBe(false);
      expect(await queue.cancel('nope')).toBe(false);
      expect(await queue.claim('i1')).toBeNull();
      expect(await queue.knows('b')).toBe(false);
      expect(await queue.hasWorkFor('s-b')).toBe(false);
    });

    it('renews a held lease; a stale fence can neither renew nor finish', async () => {
      const queue = await open();
      await submit(queue, 'a');
      const a = (await queue.claim('i1'))!;
      expect(await queue.renew([a])).toEqual([{ taskId: 'a', held: true, stopRequested: null }]);
      const stale = { ...a, fence: `${a.fence}-old` };
      expect((await queue.renew([stale]))[0]!.held).toBe(false);
      expect(await queue.finish(stale, false)).toBe(false);
      expect(await queue.finish(a, false)).toBe(true);
      expect(await queue.finish(a, false)).toBe(false);
      expect(await queue.knows('a')).toBe(false);
    });

    it('lets an unrenewed lease expire; exactly one taker gets a new fence, and the old holder is shut out', async () => {
      const queue = await open({ leaseMs: 300 });
      await submit(queue, 'a');
      await submit(queue, 'b');
      const a = (await queue.claim('i1'))!;
      const b = (await queue.claim('i1'))!;
      expect(await queue.takeOver('a', 'i2')).toBeNull();
      // b is renewed all along; a is not.
      const expired = await eventually(async () => {
        await queue.renew([b]);
        const list = await queue.expired();
        return list.length > 0 ? list : null;
      }, 'the lease of a to expire');
      expect(expired).toEqual([{ taskId: 'a', sessionId: 's-a', tenantId: 't', priority: 5 }]);
      expect((await queue.renew([a]))[0]!.held).toBe(false);
      const takers = await Promise.all([queue.takeOver('a', 'i2'), queue.takeOver('a', 'i3')]);
      const winners = takers.filter((t): t is ClaimedTask => t !== null);
      expect(winners).toHaveLength(1);
      expect(winners[0]!.fence).not.toBe(a.fence);
      expect(await queue.finish(a, false)).toBe(false);
      expect(await queue.hasWorkFor('s-a')).toBe(true);
      expect(await queue.finish(winners[0]!, false)).toBe(true);
      expect(await queue.hasWorkFor('s-a')).toBe(false);
      expect((await queue.renew([b]))[0]!.held).toBe(true);
    });

    it('passes a stop request to the holder with its renewal and as a control message', async () => {
      const queue = await open();
      const messages: ControlMessage[] = [];
      queue.onControl((m) => messages.push(m));
      await (queue as { ready?: () => Promise<void> }).ready?.();
      await submit(queue, 'a');
      await submit(queue, 'b');
      const a = (await queue.claim('i1'))!;
      expect(await queue.requestStop('a', 'interrupted')).toBe(true);
      expect(await queue.requestStop('b', 'interrupted')).toBe(false);
      expect(await queue.requestStop('nope', 'interrupted')).toBe(false);
      expect(await queue.renew([a])).toEqual([{ taskId: 'a', held: true, stopRequested: 'interrupted' }]);
      await eventually(async () => messages.some((m) => m.type === 'stop' && m.taskId === 'a'), 'the stop message');
      await queue.broadcast({ type: 'session-closed', sessionId: 'S' });
      await eventually(async () => messages.some((m) => m.type === 'session-closed' && m.sessionId === 'S'), 'the session-closed message');
      expect(messages.some((m) => m.type === 'wake')).toBe(true);
    });

    it('keeps a finished session for its instance during the affinity window, then lets anyone take it', async () => {
      const queue = await open({ affinityMs: 400 });
      await submit(queue, 'a1', 'A');
      const a1 = (await queue.claim('i1'))!;
      await submit(queue, 'a2', 'A');
      await submit(queue, 'b1', 'B');
      await queue.finish(a1, true);
      // i2 skips A's task while i1 holds the window, but takes other work behind it.
      expect((await queue.claim('i2'))?.taskId).toBe('b1');
      expect(await queue.claim('i2')).toBeNull();
      await submit(queue, 'a3', 'A2');
      expect((await queue.claim('i1'))?.taskId).toBe('a2');
      const other = await open({ affinityMs: 200 });
      await submit(other, 'c1', 'C');
      await other.finish((await other.claim('i1'))!, true);
      await submit(other, 'c2', 'C');
      expect(await other.claim('i2')).toBeNull();
      expect((await eventually(() => other.claim('i2'), 'the affinity window to pass')).taskId).toBe('c2');
    });

    it('requeues a task it does not know, once, and never a known one', async () => {
      const queue = await open();
      await queue.requeue({ taskId: 'a', sessionId: 'A', tenantId: 't' });
      await queue.requeue({ taskId: 'a', sessionId: 'A', tenantId: 't' });
      expect(await queue.counts()).toEqual({ queued: 1, running: 0 });
      await queue.claim('i1');
      await queue.requeue({ taskId: 'a', sessionId: 'A', tenantId: 't' });
      expect(await queue.counts()).toEqual({ queued: 0, running: 1 });
    });

    it('never hands one task or one session to two claimers at once', async () => {
      const queue = await open();
      for (let i = 0; i < 30; i++) await submit(queue, `task${i}`, `session${i % 5}`, `tenant${i % 3}`);
      const claimers = ['i1', 'i2', 'i3', 'i4'];
      const claimed = (await Promise.all(claimers.map((id) => queue.claim(id)))).filter((c): c is ClaimedTask => c !== null);
      const more = (await Promise.all(claimers.map((id) => queue.claim(id)))).filter((c): c is ClaimedTask => c !== null);
      const all = [...claimed, ...more];
      expect(new Set(all.map((c) => c.taskId)).size).toBe(all.length);
      expect(new Set(all.map((c) => c.sessionId)).size).toBe(all.length);
      expect(all).toHaveLength(5);
    });
  });
}
