import type { Logger } from '../../observability/logger.js';
import type { FenceRegistry } from './fence-registry.js';
import type { ClaimedTask, TaskQueue } from './task-queue.js';

export interface LeaseReaperDeps {
  queue: TaskQueue;
  fences: FenceRegistry;
  instanceId: string;
  /** How often to look for expired leases; a fraction of the lease period. */
  intervalMs: number;
  logger: Logger;
  /**
   * Whether this instance itself runs the task. Its own expired leases are left to its lease
   * keeper, which stops the agent: taking them over here would hand the still-running agent the
   * new fence.
   */
  isLocal: (taskId: string) => boolean;
  /**
   * Ends a task taken over from a lost instance; writes carry the new fence (already registered).
   * 'requeue': the task never started (its holder died right after claiming it), so it is queued again.
   */
  settle: (claimed: ClaimedTask) => Promise<'settled' | 'requeue'>;
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
      if (this.deps.isLocal(item.taskId)) continue;
      const claimed = await this.deps.queue.takeOver(item.taskId, this.deps.instanceId);
      if (!claimed) continue;
      this.deps.fences.set(claimed.taskId, claimed.fence);
      try {
        const outcome = await this.deps.settle(claimed);
        await this.deps.queue.finish(claimed, false);
        if (outcome === 'requeue')
          await this.deps.queue.requeue({ taskId: claimed.taskId, sessionId: claimed.sessionId, tenantId: claimed.tenantId, priority: claimed.priority });
        settled.push(claimed.taskId);
      } catch (error) {
        // The lease stays with this reaper and expires again, so a later sweep retries.
        this.deps.logger.error('Could not settle a task whose instance was lost', { task_id: claimed.taskId, error });
      } finally {
        this.deps.fences.delete(claimed.taskId, claimed.fence);
      }
    }
    return settled;
  }
}
