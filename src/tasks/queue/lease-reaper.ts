import { taskError } from '../../errors.js';
import type { EventLog } from '../../events/event-log.js';
import type { Logger } from '../../observability/logger.js';
import type { Store } from '../../storage/store.js';
import type { TaskFinisher } from '../task-finisher.js';
import { isTerminal, type Task } from '../task-types.js';
import type { FenceRegistry } from './fence-registry.js';
import type { ClaimedTask, TaskQueue } from './task-queue.js';

export interface LeaseReaperDeps {
  queue: TaskQueue;
  store: Store;
  events: EventLog;
  finisher: TaskFinisher;
  fences: FenceRegistry;
  instanceId: string;
  /** How often to look for expired leases; a fraction of the lease period. */
  intervalMs: number;
  logger: Logger;
  now: () => Date;
  /** The session of a settled task is free again. */
  onSettled?: (task: Task) => Promise<void> | void;
}

/**
 * Runs on every instance. A running task whose lease expired has lost its instance (killed,
 * frozen, or cut off from Redis): one reaper wins the take-over, which rotates the task's fence so
 * the old holder can no longer write, then ends the task `interrupted` (INSTANCE_LOST) with its
 * `error` and `complete` events, and frees its slot, its session and its tenant's count. A task
 * whose live holder keeps renewing is never touched, so a newly started instance leaves its
 * peers' work alone.
 */
export class LeaseReaper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<string[]> | null = null;

  constructor(private readonly deps: LeaseReaperDeps) {}

  start(): void {
    this.timer ??= setInterval(() => void this.sweep().catch(() => undefined), this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass; returns the ids of the tasks it settled. */
  sweep(): Promise<string[]> {
    this.running ??= this.sweepNow().finally(() => (this.running = null));
    return this.running;
  }

  private async sweepNow(): Promise<string[]> {
    const settled: string[] = [];
    for (const item of await this.deps.queue.expired()) {
      const claimed = await this.deps.queue.takeOver(item.taskId, this.deps.instanceId);
      if (!claimed) continue;
      this.deps.fences.set(claimed.taskId, claimed.fence);
      try {
        await this.settle(claimed);
        settled.push(claimed.taskId);
      } catch (error) {
        this.deps.logger.error('Could not settle a task whose instance was lost', { task_id: claimed.taskId, error });
      } finally {
        await this.deps.queue.finish(claimed, false).catch(() => undefined);
        this.deps.fences.delete(claimed.taskId, claimed.fence);
      }
    }
    return settled;
  }

  private async settle(claimed: ClaimedTask): Promise<void> {
    const { store, events, finisher, logger } = this.deps;
    const task = await store.getTask(claimed.taskId);
    if (!task) return;
    if (isTerminal(task.status)) {
      // The holder wrote its outcome but died before its `complete` event: finish the stream.
      const [last] = await store.readEvents(task.task_id, Math.max(0, (await store.lastEventSeq(task.task_id)) - 1), 1);
      if (last?.type !== 'complete') {
        await events.append(task.task_id, {
          type: 'complete',
          data: { status: task.status, result: task.result, usage: task.usage, num_turns: task.num_turns, cost_usd: task.cost_usd, duration_ms: task.duration_ms, error: task.error },
        });
      }
      events.forget(task.task_id);
    } else {
      const startedAt = task.started_at === null ? null : Date.parse(task.started_at);
      await finisher.finish(task.task_id, {
        status: 'interrupted',
        result: null,
        usage: task.usage,
        num_turns: task.num_turns,
        cost_usd: task.cost_usd,
        duration_ms: startedAt === null ? null : Math.max(0, this.deps.now().getTime() - startedAt),
        error: taskError('INSTANCE_LOST', 'Task was interrupted because the instance running it stopped renewing its lease (killed, frozen or cut off from Redis); resubmit it, or continue its session'),
      });
      logger.warn('Interrupted a task whose instance was lost', { task_id: task.task_id, previous_holder: claimed.fence });
    }
    const final = await store.getTask(task.task_id);
    if (final) await this.deps.onSettled?.(final);
  }
}
