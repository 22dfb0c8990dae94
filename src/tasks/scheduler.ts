import { ApiError } from '../errors.js';

export interface QueueItem {
  taskId: string;
  sessionId: string;
  tenantId: string;
}

export type RunTask = (item: QueueItem) => Promise<void>;

/** A tenant's own cap on running tasks (its max_concurrent), or null for none. */
export type TenantCap = (tenantId: string) => number | null;

const QUEUE_FULL_RETRY_AFTER_SECONDS = 5;

/**
 * Admission with three limits: at most `maxConcurrent` tasks run at once, a session runs one
 * task at a time, and a tenant never runs more than its own cap. When a slot frees up, the
 * waiting task of the tenant with the fewest running tasks goes first (FIFO among equals), so
 * a tenant with a long queue cannot starve the others, while a lone tenant can still use every
 * slot. A task that cannot start yet does not hold up the tasks behind it.
 */
export class Scheduler {
  private readonly queue: QueueItem[] = [];
  private readonly running = new Map<string, QueueItem>();
  private readonly busySessions = new Set<string>();
  private readonly runningPerTenant = new Map<string, number>();
  private readonly reservedPerTenant = new Map<string, number>();
  private paused = false;

  constructor(
    private readonly maxConcurrent: number,
    private readonly queueMax: number,
    private readonly run: RunTask,
    private readonly tenantCap: TenantCap = () => null,
  ) {}

  /**
   * Claims room for one submission before it is stored, so concurrent submissions cannot
   * overfill the queue. Each tenant may have up to TASK_QUEUE_MAX tasks waiting beyond what it
   * can run, so one tenant filling its queue never locks the others out.
   */
  reserve(tenantId: string): { release(): void } {
    const canRun = Math.min(this.maxConcurrent, this.tenantCap(tenantId) ?? this.maxConcurrent);
    const reserved = this.reservedPerTenant.get(tenantId) ?? 0;
    const held = (this.runningPerTenant.get(tenantId) ?? 0) + this.queue.filter((i) => i.tenantId === tenantId).length + reserved;
    if (held >= canRun + this.queueMax) {
      throw new ApiError('QUEUE_FULL', undefined, { queued: this.queue.length, running: this.running.size }, {
        'Retry-After': String(QUEUE_FULL_RETRY_AFTER_SECONDS),
      });
    }
    this.reservedPerTenant.set(tenantId, reserved + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.reservedPerTenant.set(tenantId, (this.reservedPerTenant.get(tenantId) ?? 1) - 1);
      },
    };
  }

  /** Adds the task at the back of the queue and starts whatever can start. Returns true if it started. */
  enqueue(item: QueueItem): boolean {
    this.queue.push(item);
    this.pump();
    return this.running.has(item.taskId);
  }

  /** Removes a task that has not started yet. */
  cancel(taskId: string): boolean {
    const index = this.queue.findIndex((item) => item.taskId === taskId);
    if (index === -1) return false;
    this.queue.splice(index, 1);
    return true;
  }

  /** Whether a task of this session is waiting or running. */
  hasWorkFor(sessionId: string): boolean {
    return this.busySessions.has(sessionId) || this.queue.some((item) => item.sessionId === sessionId);
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** Stops starting queued tasks (shutdown); running ones carry on. */
  pause(): void {
    this.paused = true;
  }

  private pump(): void {
    while (!this.paused && this.running.size < this.maxConcurrent) {
      const index = this.nextStartable();
      if (index === -1) return;
      const [item] = this.queue.splice(index, 1) as [QueueItem];
      this.running.set(item.taskId, item);
      this.busySessions.add(item.sessionId);
      this.runningPerTenant.set(item.tenantId, (this.runningPerTenant.get(item.tenantId) ?? 0) + 1);
      void this.run(item)
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(item.taskId);
          this.busySessions.delete(item.sessionId);
          this.runningPerTenant.set(item.tenantId, (this.runningPerTenant.get(item.tenantId) ?? 1) - 1);
          this.pump();
        });
    }
  }

  /** The queue index of the task to start next, or -1 if none can start now. */
  private nextStartable(): number {
    let best = -1;
    let bestRunning = Infinity;
    for (let i = 0; i < this.queue.length; i++) {
      const item = this.queue[i]!;
      if (this.busySessions.has(item.sessionId)) continue;
      const running = this.runningPerTenant.get(item.tenantId) ?? 0;
      const cap = this.tenantCap(item.tenantId);
      if (cap !== null && running >= cap) continue;
      if (running < bestRunning) {
        best = i;
        bestRunning = running;
      }
    }
    return best;
  }
}
