import { randomUUID } from 'node:crypto';
import {
  QueueFullError,
  tenantBound,
  type ClaimedTask,
  type ControlMessage,
  type LeaseStatus,
  type QueueItem,
  type QueueLimits,
  type Reservation,
  type StopRequest,
  type TaskQueue,
} from './task-queue.js';
import { MAX_PRIORITY, priorityOf } from './priority.js';

interface Lease extends ClaimedTask {
  expiresAt: number;
  stopRequested: StopRequest | null;
}

/** The queue of a single instance (memory and SQLite storage): the same rules, kept in memory. */
export class InProcessTaskQueue implements TaskQueue {
  readonly shared = false;
  private readonly queued: QueueItem[] = [];
  private readonly running = new Map<string, Lease>();
  private readonly busySessions = new Map<string, string>();
  private readonly runningPerTenant = new Map<string, number>();
  private readonly reservations = new Map<string, Reservation>();
  private readonly affinity = new Map<string, { instanceId: string; until: number }>();
  private readonly listeners: ((message: ControlMessage) => void)[] = [];
  private fenceCounter = 0;

  constructor(
    private readonly limits: QueueLimits,
    private readonly clock: () => number = Date.now,
  ) {}

  async reserve(tenantId: string): Promise<Reservation> {
    const reserved = [...this.reservations.values()].filter((r) => r.tenantId === tenantId).length;
    const queued = this.queued.filter((i) => i.tenantId === tenantId).length;
    const bound = tenantBound(this.limits, tenantId);
    // As in the Redis queue: running tasks count up to one instance's slots for the tenant.
    const running = Math.min(this.runningPerTenant.get(tenantId) ?? 0, bound - this.limits.queueMax);
    if (running + queued + reserved >= bound) {
      throw new QueueFullError(tenantId, this.queued.length, this.running.size);
    }
    const reservation = { tenantId, id: randomUUID() };
    this.reservations.set(reservation.id, reservation);
    return reservation;
  }

  async release(reservation: Reservation): Promise<void> {
    this.reservations.delete(reservation.id);
  }

  async enqueue(item: QueueItem, reservation: Reservation): Promise<void> {
    this.reservations.delete(reservation.id);
    this.queued.push({ ...item, priority: priorityOf(item) });
    this.notify({ type: 'wake' });
  }

  async requeue(item: QueueItem): Promise<void> {
    if (await this.knows(item.taskId)) return;
    this.queued.push({ ...item, priority: priorityOf(item) });
    this.notify({ type: 'wake' });
  }

  async claim(instanceId: string): Promise<ClaimedTask | null> {
    const now = this.clock();
    // `queued` is in enqueue order, so strict comparisons keep the oldest of equals (FIFO).
    let best = -1;
    let bestRunning = Infinity;
    let bestPriority = -1;
    for (let i = 0; i < this.queued.length; i++) {
      const item = this.queued[i]!;
      if (this.busySessions.has(item.sessionId)) continue;
      const held = this.affinity.get(item.sessionId);
      if (held && held.instanceId !== instanceId && held.until > now) continue;
      const running = this.runningPerTenant.get(item.tenantId) ?? 0;
      const cap = this.limits.tenantCaps[item.tenantId];
      if (cap !== undefined && running >= cap) continue;
      const priority = priorityOf(item);
      if (running < bestRunning || (running === bestRunning && priority > bestPriority)) {
        best = i;
        bestRunning = running;
        bestPriority = priority;
        if (running === 0 && priority === MAX_PRIORITY) break;
      }
    }
    if (best === -1) return null;
    const [item] = this.queued.splice(best, 1) as [QueueItem];
    const lease: Lease = { ...item, fence: `${instanceId}:${++this.fenceCounter}`, expiresAt: now + this.limits.leaseMs, stopRequested: null };
    this.running.set(item.taskId, lease);
    this.busySessions.set(item.sessionId, item.taskId);
    this.runningPerTenant.set(item.tenantId, (this.runningPerTenant.get(item.tenantId) ?? 0) + 1);
    this.affinity.delete(item.sessionId);
    return { taskId: lease.taskId, sessionId: lease.sessionId, tenantId: lease.tenantId, priority: lease.priority, fence: lease.fence };
  }

  async cancel(taskId: string): Promise<boolean> {
    const index = this.queued.findIndex((item) => item.taskId === taskId);
    if (index === -1) return false;
    this.queued.splice(index, 1);
    return true;
  }

  async renew(leases: readonly ClaimedTask[]): Promise<LeaseStatus[]> {
    const now = this.clock();
    return leases.map(({ taskId, fence }) => {
      const lease = this.running.get(taskId);
      if (!lease || lease.fence !== fence || lease.expiresAt <= now) return { taskId, held: false, stopRequested: null };
      lease.expiresAt = now + this.limits.leaseMs;
      return { taskId, held: true, stopRequested: lease.stopRequested };
    });
  }

  async finish(task: ClaimedTask, keepAffinity: boolean): Promise<boolean> {
    const lease = this.running.get(task.taskId);
    if (!lease || lease.fence !== task.fence) return false;
    this.running.delete(task.taskId);
    this.busySessions.delete(lease.sessionId);
    this.runningPerTenant.set(lease.tenantId, (this.runningPerTenant.get(lease.tenantId) ?? 1) - 1);
    const instanceId = task.fence.slice(0, task.fence.lastIndexOf(':'));
    if (keepAffinity && this.limits.affinityMs > 0) {
      this.affinity.set(lease.sessionId, { instanceId, until: this.clock() + this.limits.affinityMs });
    }
    this.notify({ type: 'wake' });
    return true;
  }

  async expired(): Promise<QueueItem[]> {
    const now = this.clock();
    return [...this.running.values()]
      .filter((l) => l.expiresAt <= now)
      .map(({ taskId, sessionId, tenantId, priority }) => ({ taskId, sessionId, tenantId, priority }));
  }

  async takeOver(taskId: string, instanceId: string): Promise<ClaimedTask | null> {
    const lease = this.running.get(taskId);
    const now = this.clock();
    if (!lease || lease.expiresAt > now) return null;
    lease.fence = `${instanceId}:${++this.fenceCounter}`;
    lease.expiresAt = now + this.limits.leaseMs;
    return { taskId, sessionId: lease.sessionId, tenantId: lease.tenantId, priority: lease.priority, fence: lease.fence };
  }

  async requestStop(taskId: string, reason: StopRequest): Promise<boolean> {
    const lease = this.running.get(taskId);
    if (!lease) return false;
    lease.stopRequested ??= reason;
    this.notify({ type: 'stop', taskId, reason });
    return true;
  }

  async broadcast(message: ControlMessage): Promise<void> {
    this.notify(message);
  }

  onControl(listener: (message: ControlMessage) => void): void {
    this.listeners.push(listener);
  }

  async hasWorkFor(sessionId: string): Promise<boolean> {
    return this.busySessions.has(sessionId) || this.queued.some((item) => item.sessionId === sessionId);
  }

  async knows(taskId: string): Promise<boolean> {
    return this.running.has(taskId) || this.queued.some((item) => item.taskId === taskId);
  }

  async counts(): Promise<{ queued: number; running: number }> {
    return { queued: this.queued.length, running: this.running.size };
  }

  async close(): Promise<void> {
    this.listeners.length = 0;
  }

  private notify(message: ControlMessage): void {
    // After the caller's own continuation, as a message from Redis would arrive.
    queueMicrotask(() => this.listeners.forEach((listener) => listener(message)));
  }
}
