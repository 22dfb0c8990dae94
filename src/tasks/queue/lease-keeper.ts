import type { Logger } from '../../observability/logger.js';
import type { ClaimedTask, StopRequest, TaskQueue } from './task-queue.js';

export interface LeaseKeeperDeps {
  queue: TaskQueue;
  /** The tasks this instance runs now. */
  leases: () => ClaimedTask[];
  /** The lease is gone (taken over, or not renewed in time): stop the agent, write nothing. */
  onLost: (taskId: string) => void;
  /** Another instance asked for this task to stop. */
  onStopRequested: (taskId: string, reason: StopRequest) => void;
  leaseMs: number;
  logger: Logger;
  /** Monotonic milliseconds. */
  clock?: () => number;
}

/**
 * Renews this instance's leases three times per lease period, in one round trip. A lease that
 * could not be renewed for a whole period is given up locally, whatever the reason (Redis
 * unreachable, this process frozen): by then another instance may have taken the task over, so
 * the agent must stop. Its last writes are refused by the fence if someone did.
 */
export class LeaseKeeper {
  private readonly renewedAt = new Map<string, number>();
  private readonly lost = new Set<string>();
  private readonly asked = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private readonly clock: () => number;

  constructor(private readonly deps: LeaseKeeperDeps) {
    this.clock = deps.clock ?? (() => performance.now());
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), Math.max(50, Math.floor(this.deps.leaseMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One renewal round; public so tests can drive it. */
  async tick(): Promise<void> {
    const now = this.clock();
    const leases = this.deps.leases();
    const current = new Set(leases.map((l) => l.taskId));
    for (const id of this.renewedAt.keys()) if (!current.has(id)) this.forget(id);
    // A lease first seen now counts from now; the claim just gave it a full period.
    for (const lease of leases) if (!this.renewedAt.has(lease.taskId)) this.renewedAt.set(lease.taskId, now);

    if (!this.inFlight) {
      this.inFlight = true;
      const sentAt = now;
      try {
        const statuses = await this.withTimeout(this.deps.queue.renew(leases.filter((l) => !this.lost.has(l.taskId))));
        for (const status of statuses) {
          if (!status.held) this.giveUp(status.taskId, 'lease taken over or expired');
          else {
            this.renewedAt.set(status.taskId, sentAt);
            if (status.stopRequested && !this.asked.has(status.taskId)) {
              this.asked.add(status.taskId);
              this.deps.onStopRequested(status.taskId, status.stopRequested);
            }
          }
        }
      } catch (error) {
        this.deps.logger.warn('Could not renew task leases', { tasks: leases.length, error });
      } finally {
        this.inFlight = false;
      }
    }
    const late = this.clock();
    for (const [taskId, at] of this.renewedAt) if (late - at >= this.deps.leaseMs) this.giveUp(taskId, 'not renewed within a lease period');
  }

  private giveUp(taskId: string, why: string): void {
    if (this.lost.has(taskId)) return;
    this.lost.add(taskId);
    this.deps.logger.warn('Lost the lease of a running task; stopping it here', { task_id: taskId, reason: why });
    this.deps.onLost(taskId);
  }

  private forget(taskId: string): void {
    this.renewedAt.delete(taskId);
    this.lost.delete(taskId);
    this.asked.delete(taskId);
  }

  private withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('lease renewal timed out')), this.deps.leaseMs / 3);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}
