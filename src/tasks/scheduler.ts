import { ApiError } from '../errors.js';

export interface QueueItem {
  taskId: string;
  sessionId: string;
}

export type RunTask = (item: QueueItem) => Promise<void>;

const QUEUE_FULL_RETRY_AFTER_SECONDS = 5;

/**
 * FIFO admission with two limits: at most `maxConcurrent` tasks run at once, and a session runs
 * one task at a time. A task whose session is busy waits without blocking the tasks behind it.
 */
export class Scheduler {
  private readonly queue: QueueItem[] = [];
  private readonly running = new Map<string, QueueItem>();
  private readonly busySessions = new Set<string>();
  private reserved = 0;
  private paused = false;

  constructor(
    private readonly maxConcurrent: number,
    private readonly queueMax: number,
    private readonly run: RunTask,
  ) {}

  /**
   * Claims room for one submission before it is stored, so concurrent submissions cannot
   * overfill the queue. Every reservation counts as queued until it is used or released.
   */
  reserve(): { release(): void } {
    if (this.running.size + this.queue.length + this.reserved >= this.maxConcurrent + this.queueMax) {
      throw new ApiError('QUEUE_FULL', undefined, { queued: this.queue.length, running: this.running.size }, {
        'Retry-After': String(QUEUE_FULL_RETRY_AFTER_SECONDS),
      });
    }
    this.reserved++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.reserved--;
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

  isQueued(taskId: string): boolean {
    return this.queue.some((item) => item.taskId === taskId);
  }

  isRunning(taskId: string): boolean {
    return this.running.has(taskId);
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
    if (this.paused) return;
    for (let i = 0; i < this.queue.length && this.running.size < this.maxConcurrent; ) {
      const item = this.queue[i]!;
      if (this.busySessions.has(item.sessionId)) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.running.set(item.taskId, item);
      this.busySessions.add(item.sessionId);
      void this.run(item)
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(item.taskId);
          this.busySessions.delete(item.sessionId);
          this.pump();
        });
    }
  }
}
