import { describe, expect, it } from 'vitest';
import { EventLog } from '../../src/events/event-log.js';
import { silentLogger } from '../../src/observability/logger.js';
import { MemoryStore } from '../../src/backends/memory/memory-store.js';
import { InProcessTaskQueue } from '../../src/tasks/queue/in-process-task-queue.js';
import { sharedQueueOrphans } from '../../src/tasks/queue/shared-recovery.js';
import type { QueueLimits } from '../../src/tasks/queue/task-queue.js';
import { recoverOrphans } from '../../src/tasks/recover-orphans.js';
import { TaskFinisher } from '../../src/tasks/task-finisher.js';
import type { Task } from '../../src/tasks/task-types.js';
import { taskRecord } from '../helpers/task-record.js';

const LIMITS: QueueLimits = { maxConcurrent: 5, queueMax: 10, tenantCaps: {}, leaseMs: 1000, affinityMs: 0 };
const START = Date.parse('2026-01-01T00:00:00.000Z');

/** A task that had used some tokens, turns and money before its process went away. */
function task(id: string, status: Task['status'], createdAtMs: number): Task {
  return taskRecord(id, status, { created_at: new Date(createdAtMs).toISOString(), usage: { input_tokens: 3, output_tokens: 4 }, num_turns: 2, cost_usd: 0.5 });
}

/**
 * The shared-queue rules through the one recovery loop, on a real store, event log and queue
 * adapter: a starting instance repairs only what the queue does not know.
 */
describe('recoverOrphans with the shared-queue rules', () => {
  async function world(nowMs: number) {
    const store = new MemoryStore();
    const events = new EventLog(store);
    const now = () => new Date(nowMs);
    const finisher = new TaskFinisher(store, events, silentLogger, now);
    const queue = new InProcessTaskQueue(LIMITS, () => nowMs);
    const recover = () => recoverOrphans({ store, finisher, queue, logger: silentLogger, now }, sharedQueueOrphans({ store, queue, now }));
    return { store, queue, recover };
  }

  it("leaves a peer's leased and queued tasks alone; ends an unleased run INSTANCE_LOST with error then complete", async () => {
    const w = await world(START + 120_000);
    const leased = task('leased', 'running', START);
    await w.store.insertTask(leased);
    await w.queue.enqueue({ taskId: 'leased', sessionId: leased.session_id, tenantId: 't' }, await w.queue.reserve('t'));
    expect((await w.queue.claim('peer'))?.taskId).toBe('leased');
    const waiting = task('waiting', 'queued', START);
    await w.store.insertTask(waiting);
    await w.queue.enqueue({ taskId: 'waiting', sessionId: waiting.session_id, tenantId: 't' }, await w.queue.reserve('t'));
    await w.store.insertTask(task('unleased', 'running', START + 1));

    expect(await w.recover()).toEqual({ interrupted: ['unleased'], requeued: [] });
    expect((await w.store.getTask('leased'))?.status).toBe('running');
    const ended = await w.store.getTask('unleased');
    expect(ended).toMatchObject({ status: 'interrupted', usage: { input_tokens: 3, output_tokens: 4 }, num_turns: 2, cost_usd: 0.5 });
    expect(ended?.error?.code).toBe('INSTANCE_LOST');
    const stream = await w.store.readEvents('unleased', 0);
    expect(stream.map((e) => e.type)).toEqual(['error', 'complete']);
    expect(stream[1]?.data).toMatchObject({ status: 'interrupted', num_turns: 2, cost_usd: 0.5, duration_ms: 120_000 - 1 });
  });

  it('queues again, oldest first, the unqueued tasks older than a submission takes, and not the younger ones', async () => {
    const w = await world(START + 120_000);
    await w.store.insertTask(task('older', 'queued', START));
    await w.store.insertTask(task('old', 'queued', START + 1000));
    await w.store.insertTask(task('mid-submit', 'queued', START + 90_000));

    expect(await w.recover()).toEqual({ interrupted: [], requeued: ['older', 'old'] });
    expect((await w.queue.claim('me'))?.taskId).toBe('older');
    expect((await w.queue.claim('me'))?.taskId).toBe('old');
    expect(await w.queue.claim('me')).toBeNull();
  });

  it('queues them again with the priority stored on their record (none stored: 5)', async () => {
    const w = await world(START + 120_000);
    const withPriority = (id: string, at: number, priority?: number): Task => {
      const queued = task(id, 'queued', at);
      return priority === undefined ? queued : { ...queued, options: { ...queued.options, priority } };
    };
    await w.store.insertTask(withPriority('low', START, 1));
    await w.store.insertTask(withPriority('legacy', START + 1000));
    await w.store.insertTask(withPriority('urgent', START + 2000, 9));

    expect(await w.recover()).toEqual({ interrupted: [], requeued: ['low', 'legacy', 'urgent'] });
    const claimed = [await w.queue.claim('me'), await w.queue.claim('me'), await w.queue.claim('me')];
    expect(claimed.map((c) => [c?.taskId, c?.priority])).toEqual([
      ['urgent', 9],
      ['legacy', 5],
      ['low', 1],
    ]);
  });
});
