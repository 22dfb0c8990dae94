import type { EventLog } from './event-log.js';
import type { TaskEvent } from './event-types.js';

/** Where a subscriber's events go: a WebSocket or an SSE response. */
export interface EventSink {
  send(event: TaskEvent): void;
  /** Bytes queued in this process for the client, not yet handed to the OS. */
  buffered(): number;
  /** Resolves once everything sent so far has been handed to the OS. */
  flushed(): Promise<void>;
}

export type StreamEnd =
  | { reason: 'complete'; lastSeq: number }
  | { reason: 'slow_consumer'; lastSeq: number }
  | { reason: 'stopped'; lastSeq: number }
  | { reason: 'error'; lastSeq: number; error: unknown };

export interface StreamLimits {
  /** Nothing more is queued for a client while it has this much waiting (plus at most one event). */
  maxBufferedBytes: number;
  /** A client that accepts nothing for this long is cut off. */
  stallTimeoutMs: number;
}

const PAGE_SIZE = 200;

/**
 * Streams a task's events to one subscriber: history after `afterSeq`, then live events, until
 * `complete`. Every event is read from the store, so there is one path for replay and live
 * delivery and it cannot gap or repeat (events held in memory while storage fails are read after
 * the stored ones, see EventLog.read). Each subscriber pulls at its own pace; a slow one only
 * holds back itself, and its backlog stays in the store rather than in memory.
 */
export class EventStream {
  private readonly abort = new AbortController();
  private active = 0;

  constructor(
    private readonly log: EventLog,
    private readonly limits: StreamLimits,
  ) {}

  get subscriberCount(): number {
    return this.active;
  }

  /** Resolves when no stream is running, or after `timeoutMs`. */
  async idle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.active > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** Stops every running stream (server shutdown). */
  stopAll(): void {
    this.abort.abort();
  }

  async run(taskId: string, afterSeq: number, sink: EventSink, signal: AbortSignal): Promise<StreamEnd> {
    this.active++;
    let lastSeq = afterSeq;
    const stopped = AbortSignal.any([signal, this.abort.signal]);
    try {
      if (await this.alreadyComplete(taskId, afterSeq)) return { reason: 'complete', lastSeq };
      while (!stopped.aborted) {
        const wakeup = this.log.nextAppend(taskId, stopped);
        const page = await this.log.read(taskId, lastSeq, PAGE_SIZE);
        if (page.length === 0) {
          await wakeup.promise;
          continue;
        }
        wakeup.cancel();
        for (const event of page) {
          // Never queue more than the bound: wait for the client to take what it has, or cut it off.
          if (sink.buffered() > this.limits.maxBufferedBytes && !(await this.flushedWithin(sink, stopped))) {
            return { reason: 'slow_consumer', lastSeq };
          }
          sink.send(event);
          lastSeq = event.seq;
          if (event.type === 'complete') {
            await this.flushedWithin(sink, stopped);
            return { reason: 'complete', lastSeq };
          }
        }
        // Pace the replay to the client, and notice a client that has stopped reading.
        if (!(await this.flushedWithin(sink, stopped))) return { reason: 'slow_consumer', lastSeq: page[0]!.seq - 1 };
      }
      return { reason: 'stopped', lastSeq };
    } catch (error) {
      return { reason: 'error', lastSeq, error };
    } finally {
      this.active--;
    }
  }

  /**
   * Up to `limit` events after `afterSeq`, read the way a stream reads them (events held in
   * memory while storage fails included), so a page and a stream never disagree.
   */
  page(taskId: string, afterSeq: number, limit: number): Promise<TaskEvent[]> {
    return this.log.read(taskId, afterSeq, limit);
  }

  /**
   * True when the task has no event `afterSeq`: a client cannot have received it, and a stream
   * after it would wait forever (seqs have no gaps, so the `complete` event would be skipped).
   */
  async isPastEnd(taskId: string, afterSeq: number): Promise<boolean> {
    if (afterSeq < 1) return false;
    const [event] = await this.log.read(taskId, afterSeq - 1, 1);
    return event === undefined;
  }

  /** True when `afterSeq` is the task's final `complete` event: there is nothing left to stream. */
  async alreadyComplete(taskId: string, afterSeq: number): Promise<boolean> {
    if (afterSeq < 1) return false;
    const [event] = await this.log.read(taskId, afterSeq - 1, 1);
    return event?.type === 'complete';
  }

  private async flushedWithin(sink: EventSink, stopped: AbortSignal): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.limits.stallTimeoutMs)));
    const aborted = new Promise<true>((resolve) => {
      onAbort = () => resolve(true);
      stopped.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([sink.flushed().then(() => true as const), timeout, aborted]);
    } finally {
      clearTimeout(timer);
      if (onAbort) stopped.removeEventListener('abort', onAbort);
    }
  }
}
