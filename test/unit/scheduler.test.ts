import { describe, expect, it } from 'vitest';
import { FenceRegistry } from '../../src/tasks/queue/fence-registry.js';
import { InProcessTaskQueue } from '../../src/tasks/queue/in-process-task-queue.js';
import { QueueFullError, type ClaimedTask } from '../../src/tasks/queue/task-queue.js';
import { Scheduler } from '../../src/tasks/scheduler.js';

function harness(maxConcurrent: number, queueMax: number, caps: Record<string, number> = {}) {
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  const fences = new FenceRegistry();
  const queue = new InProcessTaskQueue({ maxConcurrent, queueMax, tenantCaps: caps, leaseMs: 30_000, affinityMs: 0 });
  const scheduler = new Scheduler(
    queue,
    (item: ClaimedTask) => {
      started.push(item.taskId);
      return new Promise<void>((resolve) => finishers.set(item.taskId, resolve));
    },
    { instanceId: 'here', maxConcurrent, pollMs: 1000, finishRetryMs: 1000, fences },
  );
  const submit = async (taskId: string, sessionId = `s-${taskId}`, tenantId = 'default') =>
    scheduler.enqueue({ taskId, sessionId, tenantId }, await scheduler.reserve(tenantId));
  const finish = async (taskId: string) => {
    finishers.get(taskId)!();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    await scheduler.pump();
  };
  return { scheduler, started, submit, finish, fences };
}

describe('Scheduler', () => {
  it('runs up to the limit and starts the rest in FIFO order', async () => {
    const { scheduler, started, submit, finish } = harness(2, 10);
    expect([await submit('a'), await submit('b'), await submit('c'), await submit('d')]).toEqual([true, true, false, false]);
    expect(scheduler.runningCount).toBe(2);
    expect(scheduler.queuedCount).toBe(2);
    await finish('b');
    expect(started).toEqual(['a', 'b', 'c']);
    await finish('a');
    expect(started).toEqual(['a', 'b', 'c', 'd']);
  });

  it('runs one task per session, without blocking other sessions behind it', async () => {
    const { started, submit, finish } = harness(2, 10);
    await submit('a1', 'A');
    await submit('a2', 'A');
    await submit('b1', 'B');
    expect(started).toEqual(['a1', 'b1']);
    await finish('b1');
    expect(started).toEqual(['a1', 'b1']);
    await finish('a1');
    expect(started).toEqual(['a1', 'b1', 'a2']);
  });

  it('refuses past the queue bound with a domain error (the API maps it to 429 QUEUE_FULL)', async () => {
    const { scheduler, submit } = harness(1, 1);
    await submit('a');
    await submit('b');
    const error = await scheduler.reserve('default').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueFullError);
    expect((error as QueueFullError).message).toBe('Maximum concurrent sessions reached');
  });

  it('counts outstanding reservations so concurrent submissions cannot overfill', async () => {
    const { scheduler } = harness(1, 2);
    await scheduler.reserve('default');
    await scheduler.reserve('default');
    await scheduler.reserve('default');
    await expect(scheduler.reserve('default')).rejects.toBeInstanceOf(QueueFullError);
  });

  it('cancels a queued task so it never starts', async () => {
    const { scheduler, started, submit, finish } = harness(1, 10);
    await submit('a');
    await submit('b');
    expect(await scheduler.cancel('b')).toBe(true);
    expect(await scheduler.cancel('b')).toBe(false);
    await finish('a');
    expect(started).toEqual(['a']);
  });

  it('starts the waiting task of the tenant with the fewest running tasks first', async () => {
    const { started, submit, finish } = harness(2, 10);
    await submit('a1', 'sa1', 'a');
    await submit('a2', 'sa2', 'a');
    await submit('a3', 'sa3', 'a');
    await submit('b1', 'sb1', 'b');
    expect(started).toEqual(['a1', 'a2']);
    await finish('a1');
    // a3 waited longer, but tenant b has nothing running.
    expect(started).toEqual(['a1', 'a2', 'b1']);
  });

  it('holds a tenant to its own cap, and gives each tenant its own queue bound', async () => {
    const { scheduler, started, submit } = harness(3, 1, { a: 1 });
    await submit('a1', 'sa1', 'a');
    await submit('a2', 'sa2', 'a');
    expect(started).toEqual(['a1']);
    await expect(scheduler.reserve('a')).rejects.toBeInstanceOf(QueueFullError);
    expect(await submit('b1', 'sb1', 'b')).toBe(true);
  });

  it('holds the fence of each running task and drops it once the task has finished', async () => {
    const { fences, submit, finish, scheduler } = harness(1, 10);
    await submit('a');
    expect(fences.fenceFor('a')).toMatch(/^here:/);
    await finish('a');
    await scheduler.drained();
    expect(fences.fenceFor('a')).toBeNull();
  });

  it('routes a stop request to the instance running the task', async () => {
    const { scheduler, submit } = harness(1, 10);
    const stops: string[] = [];
    scheduler.onStopRequest((taskId, reason) => stops.push(`${taskId}:${reason}`));
    await submit('a');
    expect(await scheduler.requestStop('a', 'interrupted')).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(stops).toEqual(['a:interrupted']);
  });
});
