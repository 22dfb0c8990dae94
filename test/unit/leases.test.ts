import { describe, expect, it } from 'vitest';
import { EventLog } from '../../src/events/event-log.js';
import { silentLogger } from '../../src/observability/logger.js';
import { MemoryStore } from '../../src/backends/memory/memory-store.js';
import { FenceRegistry } from '../../src/tasks/queue/fence-registry.js';
import { InProcessTaskQueue } from '../../src/tasks/queue/in-process-task-queue.js';
import { LeaseKeeper } from '../../src/tasks/queue/lease-keeper.js';
import { LeaseReaper } from '../../src/tasks/queue/lease-reaper.js';
import { lostTaskSettler } from '../../src/tasks/queue/settle-lost-task.js';
import type { ClaimedTask, QueueLimits } from '../../src/tasks/queue/task-queue.js';
import { TaskFinisher } from '../../src/tasks/task-finisher.js';
import type { Task } from '../../src/tasks/task-types.js';
import { taskRecord } from '../helpers/task-record.js';

const LIMITS: QueueLimits = { maxConcurrent: 5, queueMax: 10, tenantCaps: {}, leaseMs: 1000, affinityMs: 0 };

const task = (id: string, status: Task['status']): Task => taskRecord(id, status);

/** A queue whose clock the test moves, a real memory store, and a reaper wired as in production. */
async function world() {
  let now = 0;
  const queue = new InProcessTaskQueue(LIMITS, () => now);
  const store = new MemoryStore();
  const events = new EventLog(store);
  const finisher = new TaskFinisher(store, events, silentLogger, () => new Date());
  const fences = new FenceRegistry();
  const local = new Set<string>();
  const reaper = new LeaseReaper({
    queue,
    fences,
    instanceId: 'reaper',
    intervalMs: 1000,
    logger: silentLogger,
    isLocal: (id) => local.has(id),
    settle: lostTaskSettler({ store, events, finisher, logger: silentLogger, now: () => new Date() }),
  });
  const claim = async (t: Task): Promise<ClaimedTask> => {
    await store.insertTask(t);
    await queue.enqueue({ taskId: t.task_id, sessionId: t.session_id, tenantId: 't', priority: t.options.priority ?? undefined }, await queue.reserve('t'));
    return (await queue.claim('holder'))!;
  };
  return { queue, store, reaper, claim, local, advance: (ms: number) => (now += ms) };
}

describe('lease reaper', () => {
  it('ends a running task of a lost instance interrupted (INSTANCE_LOST) with error then complete, and frees its lease', async () => {
    const w = await world();
    await w.claim(task('a', 'running'));
    expect(await w.reaper.sweep()).toEqual([]);
    w.advance(LIMITS.leaseMs);
    expect(await w.reaper.sweep()).toEqual(['a']);
    expect(await w.store.getTask('a')).toMatchObject({ status: 'interrupted', error: { code: 'INSTANCE_LOST' } });
    expect((await w.store.readEvents('a', 0)).map((e) => e.type)).toEqual(['error', 'complete']);
    expect(await w.queue.knows('a')).toBe(false);
  });

  it('queues again a task claimed by an instance that died before starting it', async () => {
    const w = await world();
    await w.claim(task('b', 'queued'));
    w.advance(LIMITS.leaseMs);
    await w.reaper.sweep();
    expect(await w.queue.counts()).toEqual({ queued: 1, running: 0 });
    expect((await w.store.getTask('b'))?.status).toBe('queued');
  });

  it('queues such a task again with its priority, ahead of the default ones that came after it', async () => {
    const w = await world();
    const urgent = task('urgent', 'queued');
    await w.claim({ ...urgent, options: { ...urgent.options, priority: 9 } });
    await w.queue.enqueue({ taskId: 'later', sessionId: 's-later', tenantId: 't' }, await w.queue.reserve('t'));
    w.advance(LIMITS.leaseMs);
    expect(await w.reaper.sweep()).toEqual(['urgent']);
    expect(await w.queue.claim('next')).toMatchObject({ taskId: 'urgent', priority: 9 });
  });

  it('only finishes the stream of a task whose holder recorded the outcome but not its complete event', async () => {
    const w = await world();
    await w.claim(task('c', 'running'));
    await w.store.updateTask('c', { status: 'completed', result: 'ok', num_turns: 3, cost_usd: 0.25, completed_at: new Date().toISOString() });
    w.advance(LIMITS.leaseMs);
    await w.reaper.sweep();
    expect(await w.store.getTask('c')).toMatchObject({ status: 'completed', result: 'ok', error: null });
    const stream = await w.store.readEvents('c', 0);
    expect(stream.map((e) => e.type)).toEqual(['complete']);
    expect(stream[0]?.data).toMatchObject({ status: 'completed', result: 'ok', num_turns: 3, cost_usd: 0.25, error: null });
  });

  it('leaves its own instance tasks to the lease keeper', async () => {
    const w = await world();
    await w.claim(task('d', 'running'));
    w.local.add('d');
    w.advance(LIMITS.leaseMs);
    expect(await w.reaper.sweep()).toEqual([]);
    expect((await w.store.getTask('d'))?.status).toBe('running');
  });
});

describe('lease keeper', () => {
  function keeper(queue: InProcessTaskQueue, leases: ClaimedTask[], clock: () => number) {
    const lost: string[] = [];
    const stops: string[] = [];
    const k = new LeaseKeeper({
      queue,
      leases: () => leases,
      leaseMs: LIMITS.leaseMs,
      logger: silentLogger,
      clock,
      onLost: (id) => lost.push(id),
      onStopRequested: (id, reason) => stops.push(`${id}:${reason}`),
    });
    return { k, lost, stops };
  }

  it('renews, passes stop requests on once, and gives up a lease another instance took over', async () => {
    let now = 0;
    const queue = new InProcessTaskQueue(LIMITS, () => now);
    await queue.enqueue({ taskId: 'a', sessionId: 'A', tenantId: 't' }, await queue.reserve('t'));
    const lease = (await queue.claim('me'))!;
    const { k, lost, stops } = keeper(queue, [lease], () => now);
    now += 500;
    await k.tick();
    now += 700;
    await k.tick();
    expect(await queue.expired()).toEqual([]);
    await queue.requestStop('a', 'interrupted');
    await k.tick();
    await k.tick();
    expect(stops).toEqual(['a:interrupted']);
    now += LIMITS.leaseMs;
    expect(await queue.takeOver('a', 'other')).not.toBeNull();
    await k.tick();
    expect(lost).toEqual(['a']);
  });

  it('stops a task it could not renew for a whole lease period, whatever the reason', async () => {
    let now = 0;
    const queue = new InProcessTaskQueue(LIMITS, () => now);
    await queue.enqueue({ taskId: 'a', sessionId: 'A', tenantId: 't' }, await queue.reserve('t'));
    const lease = (await queue.claim('me'))!;
    queue.renew = () => Promise.reject(new Error('Redis unreachable'));
    const { k, lost } = keeper(queue, [lease], () => now);
    await k.tick();
    now += LIMITS.leaseMs - 1;
    await k.tick();
    expect(lost).toEqual([]);
    now += 1;
    await k.tick();
    expect(lost).toEqual(['a']);
  });
});
