import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors.js';
import { Scheduler, type QueueItem } from '../../src/tasks/scheduler.js';

function harness(maxConcurrent: number, queueMax: number, caps: Record<string, number> = {}) {
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  const scheduler = new Scheduler(
    maxConcurrent,
    queueMax,
    (item: QueueItem) => {
      started.push(item.taskId);
      return new Promise<void>((resolve) => finishers.set(item.taskId, resolve));
    },
    (tenantId) => caps[tenantId] ?? null,
  );
  const submit = (taskId: string, sessionId = `s-${taskId}`, tenantId = 'default') => {
    const reservation = scheduler.reserve(tenantId);
    const running = scheduler.enqueue({ taskId, sessionId, tenantId });
    reservation.release();
    return running;
  };
  const finish = async (taskId: string) => {
    finishers.get(taskId)!();
    await new Promise((r) => setImmediate(r));
  };
  return { scheduler, started, submit, finish };
}

describe('Scheduler', () => {
  it('runs up to the limit and starts the rest in FIFO order', async () => {
    const { scheduler, started, submit, finish } = harness(2, 10);
    expect([submit('a'), submit('b'), submit('c'), submit('d')]).toEqual([true, true, false, false]);
    expect(scheduler.runningCount).toBe(2);
    expect(scheduler.queuedCount).toBe(2);
    await finish('b');
    expect(started).toEqual(['a', 'b', 'c']);
    await finish('a');
    expect(started).toEqual(['a', 'b', 'c', 'd']);
  });

  it('runs one task per session, without blocking other sessions behind it', async () => {
    const { started, submit, finish } = harness(2, 10);
    submit('a1', 'A');
    submit('a2', 'A');
    submit('b1', 'B');
    expect(started).toEqual(['a1', 'b1']);
    await finish('b1');
    expect(started).toEqual(['a1', 'b1']);
    await finish('a1');
    expect(started).toEqual(['a1', 'b1', 'a2']);
  });

  it('refuses past the queue bound with QUEUE_FULL and a Retry-After', () => {
    const { scheduler, submit } = harness(1, 1);
    submit('a');
    submit('b');
    let error: unknown;
    try {
      scheduler.reserve('default');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(429);
    expect((error as ApiError).message).toBe('Maximum concurrent sessions reached');
    expect((error as ApiError).headers['Retry-After']).toMatch(/^\d+$/);
  });

  it('counts outstanding reservations so concurrent submissions cannot overfill', () => {
    const { scheduler } = harness(1, 2);
    scheduler.reserve('default');
    scheduler.reserve('default');
    scheduler.reserve('default');
    expect(() => scheduler.reserve('default')).toThrow(ApiError);
  });

  it('cancels a queued task so it never starts', async () => {
    const { scheduler, started, submit, finish } = harness(1, 10);
    submit('a');
    submit('b');
    expect(scheduler.cancel('b')).toBe(true);
    expect(scheduler.cancel('b')).toBe(false);
    await finish('a');
    expect(started).toEqual(['a']);
  });

  it('starts the waiting task of the tenant with the fewest running tasks first', async () => {
    const { started, submit, finish } = harness(2, 10);
    submit('a1', 'sa1', 'a');
    submit('a2', 'sa2', 'a');
    submit('a3', 'sa3', 'a');
    submit('b1', 'sb1', 'b');
    expect(started).toEqual(['a1', 'a2']);
    await finish('a1');
    // a3 waited longer, but tenant b has nothing running.
    expect(started).toEqual(['a1', 'a2', 'b1']);
  });

  it('holds a tenant to its own cap, and gives each tenant its own queue bound', async () => {
    const { scheduler, started, submit } = harness(3, 1, { a: 1 });
    submit('a1', 'sa1', 'a');
    submit('a2', 'sa2', 'a');
    expect(started).toEqual(['a1']);
    expect(() => scheduler.reserve('a')).toThrow(ApiError);
    expect(submit('b1', 'sb1', 'b')).toBe(true);
  });
});

