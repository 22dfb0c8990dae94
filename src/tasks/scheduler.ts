import type { Logger } from '../observability/logger.js';
import type { FenceRegistry } from './queue/fence-registry.js';
import type { ClaimedTask, ControlMessage, QueueItem, RelayedPermissionAnswer, Reservation, StopRequest, TaskQueue } from './queue/task-queue.js';

export type { QueueItem } from './queue/task-queue.js';

/**
 * Runs a claimed task to its end. Resolving `false` means its outcome could not be recorded
 * (the store was unreachable): the lease is then left to expire, so that a reaper settles it.
 */
export type RunTask = (item: ClaimedTask) => Promise<void | boolean>;

export interface SchedulerOptions {
  instanceId: string;
  /** SESSION_MAX_CONCURRENT: tasks this instance runs at once. */
  maxConcurrent: number;
  /** How often a shared queue is polled for work, besides the wake-ups other instances send. */
  pollMs: number;
  /** How long a finished lease is retried while the queue's backend is unreachable. */
  finishRetryMs: number;
  fences: FenceRegistry;
  logger?: Logger | undefined;
}

/**
 * This instance's side of the queue: it claims tasks while it has a free slot and runs them.
 * The policy (fairness, caps, one task per session, affinity, bounds) is the queue's contract
 * (queue/task-queue.ts), kept atomically by the adapter, so it holds across instances too.
 */
export class Scheduler {
  private readonly running = new Map<string, ClaimedTask>();
  private readonly stopListeners: ((taskId: string, reason: StopRequest) => void)[] = [];
  private readonly sessionClosedListeners: ((sessionId: string) => void)[] = [];
  private readonly permissionAnswerListeners: ((taskId: string, requestId: string, answer: RelayedPermissionAnswer) => void)[] = [];
  private paused = false;
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  private counted = { queued: 0, running: 0 };
  private poll: NodeJS.Timeout | undefined;
  private readonly releasing = new Set<Promise<void>>();

  constructor(
    readonly queue: TaskQueue,
    private readonly run: RunTask,
    private readonly options: SchedulerOptions,
  ) {
    queue.onControl((message) => this.onControl(message));
  }

  get instanceId(): string {
    return this.options.instanceId;
  }

  /** Starts polling a shared queue (an in-process queue wakes the scheduler itself). */
  start(): void {
    if (!this.queue.shared || this.poll) return;
    this.poll = setInterval(() => void this.pump(), this.options.pollMs);
    this.poll.unref();
    void this.pump();
  }

  stop(): void {
    clearInterval(this.poll);
    this.poll = undefined;
  }

  /** Holds room for one submission; throws QueueFullError when the tenant's share is full. */
  reserve(tenantId: string): Promise<Reservation> {
    return this.queue.reserve(tenantId);
  }

  release(reservation: Reservation): Promise<void> {
    return this.queue.release(reservation);
  }

  /** Queues a reserved task and starts whatever can start here. True if it now runs here. */
  async enqueue(item: QueueItem, reservation: Reservation): Promise<boolean> {
    await this.queue.enqueue(item, reservation);
    await this.pump();
    return this.running.has(item.taskId);
  }

  /** Removes a task that has not started yet, wherever it was submitted. */
  async cancel(taskId: string): Promise<boolean> {
    const cancelled = await this.queue.cancel(taskId);
    await this.refreshCounts();
    return cancelled;
  }

  /** Asks whichever instance runs the task to stop it. False if it is not running anywhere. */
  requestStop(taskId: string, reason: StopRequest): Promise<boolean> {
    return this.queue.requestStop(taskId, reason);
  }

  /** Tells every instance to let go of a deleted session's live process. */
  async announceSessionClosed(sessionId: string): Promise<void> {
    await this.queue.broadcast({ type: 'session-closed', sessionId });
  }

  /** Whether several instances share the queue: a running task may then be held elsewhere. */
  get shared(): boolean {
    return this.queue.shared;
  }

  /** Passes a client's answer to whichever instance holds the task's waiting tool call. */
  async relayPermissionAnswer(taskId: string, requestId: string, answer: RelayedPermissionAnswer): Promise<void> {
    await this.queue.broadcast({ type: 'permission-answer', taskId, requestId, answer });
  }

  onPermissionAnswer(listener: (taskId: string, requestId: string, answer: RelayedPermissionAnswer) => void): void {
    this.permissionAnswerListeners.push(listener);
  }

  onStopRequest(listener: (taskId: string, reason: StopRequest) => void): void {
    this.stopListeners.push(listener);
  }

  onSessionClosed(listener: (sessionId: string) => void): void {
    this.sessionClosedListeners.push(listener);
  }

  hasWorkFor(sessionId: string): Promise<boolean> {
    return this.queue.hasWorkFor(sessionId);
  }

  runsHere(taskId: string): boolean {
    return this.running.has(taskId);
  }

  /** Tasks this instance runs now, with their fences (renewed by the lease keeper). */
  localLeases(): ClaimedTask[] {
    return [...this.running.values()];
  }

  /** Queued tasks (all instances), as of the last look at the queue. */
  get queuedCount(): number {
    return this.counted.queued;
  }

  /** Running tasks: this instance's own on a shared queue, as /health reports per instance. */
  get runningCount(): number {
    return this.queue.shared ? this.running.size : this.counted.running;
  }

  /** Stops starting queued tasks (shutdown); running ones carry on. */
  pause(): void {
    this.paused = true;
    this.stop();
  }

  /** Resolves once every finished task has given its lease back (before the queue closes). */
  async drained(): Promise<void> {
    while (this.releasing.size > 0) await Promise.allSettled([...this.releasing]);
  }

  /** Claims while there is a free slot. Calls overlap safely: one loop runs, and runs again if asked meanwhile. */
  pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      do {
        this.pumpAgain = false;
        await this.claimWhileFree();
        await this.refreshCounts();
      } while (this.pumpAgain);
    })()
      .catch((error: unknown) => this.options.logger?.warn('Could not claim queued tasks; will retry', { error }))
      .finally(() => (this.pumping = null));
    return this.pumping;
  }

  private async claimWhileFree(): Promise<void> {
    while (!this.paused && this.running.size < this.options.maxConcurrent) {
      const claimed = await this.queue.claim(this.options.instanceId);
      if (!claimed) return;
      this.options.fences.set(claimed.taskId, claimed.fence);
      this.running.set(claimed.taskId, claimed);
      void this.run(claimed)
        .catch(() => false as const)
        .then((recorded) => {
          const releasing = (recorded === false && this.queue.shared ? this.abandon(claimed) : this.giveBack(claimed)).finally(() =>
            this.releasing.delete(releasing),
          );
          this.releasing.add(releasing);
        });
    }
  }

  private async giveBack(claimed: ClaimedTask): Promise<void> {
    this.running.delete(claimed.taskId);
    const deadline = Date.now() + this.options.finishRetryMs;
    for (;;) {
      try {
        const finished = await this.queue.finish(claimed, true);
        if (!finished) this.options.logger?.warn('Lease was taken over before the task finished here', { task_id: claimed.taskId });
        break;
      } catch (error) {
        // Unreachable backend: the lease expires by itself and a reaper settles the task.
        if (Date.now() > deadline) {
          this.options.logger?.error('Could not release a finished task', { task_id: claimed.taskId, error });
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    this.options.fences.delete(claimed.taskId, claimed.fence);
    await this.pump();
  }

  private async abandon(claimed: ClaimedTask): Promise<void> {
    this.running.delete(claimed.taskId);
    this.options.fences.delete(claimed.taskId, claimed.fence);
    this.options.logger?.warn('Task outcome not recorded; leaving its lease to expire so a reaper settles it', { task_id: claimed.taskId });
    await this.pump();
  }

  private async refreshCounts(): Promise<void> {
    try {
      this.counted = await this.queue.counts();
    } catch {
      // Keep the last known counts; /health reports the backend's trouble itself.
    }
  }

  private onControl(message: ControlMessage): void {
    if (message.type === 'wake') void this.pump();
    else if (message.type === 'stop' && this.running.has(message.taskId)) this.stopListeners.forEach((l) => l(message.taskId, message.reason));
    else if (message.type === 'session-closed') this.sessionClosedListeners.forEach((l) => l(message.sessionId));
    else if (message.type === 'permission-answer' && this.running.has(message.taskId)) {
      this.permissionAnswerListeners.forEach((l) => l(message.taskId, message.requestId, message.answer));
    }
  }
}
