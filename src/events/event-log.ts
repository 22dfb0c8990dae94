import { redactDeep, type Redactor } from '../observability/redact.js';
import { retryWhileUnavailable } from '../storage/retry-unavailable.js';
import { classifyStorageError } from '../storage/storage-health.js';
import { EventSeqConflictError, type Store } from '../storage/store.js';
import type { EventBus } from './event-bus.js';
import type { EventDraft, TaskEvent } from './event-types.js';

/**
 * Appends events with a per-task `seq` and wakes whoever waits for new ones. Appends for one
 * task are serialised, so seq order equals store order. Readers always read from the store
 * (see event-stream.ts), which is what makes replay and live delivery one gap-free path.
 *
 * When storage fails, an event is held in memory instead (with its seq), readers get it from
 * there, and `flushHeld` writes it once storage works again: a task's `error` and `complete`
 * reach live subscribers even while nothing can be written.
 */
export class EventLog {
  private readonly nextSeq = new Map<string, number>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Events not yet stored, per task, in seq order; always after every stored one. */
  private readonly held = new Map<string, TaskEvent[]>();

  constructor(
    readonly store: Store,
    private readonly now: () => Date = () => new Date(),
    /** Applied to every event's data before it is stored or sent: an agent may print secrets. */
    private readonly redact: Redactor = (text) => text,
    /** Wake-ups for appends made by other instances (STORAGE_TYPE=redis); none in-process. */
    private readonly bus?: EventBus,
  ) {
    bus?.onAppend((taskId) => (taskId === null ? this.wakeEveryone() : this.wake(taskId)));
  }

  append(taskId: string, draft: EventDraft): Promise<TaskEvent> {
    const previous = this.chains.get(taskId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.appendNow(taskId, draft));
    this.chains.set(taskId, next);
    void next
      .finally(() => {
        if (this.chains.get(taskId) === next) this.chains.delete(taskId);
      })
      .catch(() => undefined);
    return next;
  }

  /** Forget per-task counters once a task is finished; the store remains the source of truth. */
  forget(taskId: string): void {
    this.nextSeq.delete(taskId);
  }

  /** Whether some of the task's events are only in memory (storage failed when they came). */
  hasHeld(taskId: string): boolean {
    return this.held.has(taskId);
  }

  get heldCount(): number {
    let count = 0;
    for (const events of this.held.values()) count += events.length;
    return count;
  }

  /**
   * Up to `limit` events after `afterSeq`: the stored ones, then the held ones. The held list is
   * read first, so an event flushed meanwhile is found in one place or the other. If the store
   * cannot be read either, the held events are returned alone, so a stream still ends.
   */
  async read(taskId: string, afterSeq: number, limit: number): Promise<TaskEvent[]> {
    const held = [...(this.held.get(taskId) ?? [])];
    let stored: TaskEvent[];
    try {
      stored = await this.store.readEvents(taskId, afterSeq, limit);
    } catch (error) {
      if (held.length === 0 || !classifyStorageError(error)) throw error;
      stored = [];
    }
    if (held.length === 0 || stored.length >= limit) return stored;
    const lastStored = stored.length > 0 ? stored[stored.length - 1]!.seq : afterSeq;
    return [...stored, ...held.filter((event) => event.seq > lastStored)].slice(0, limit);
  }

  /**
   * Writes the task's held events to the store in order (storage is back). An event already
   * stored is skipped; one whose seq the store would not accept next is renumbered to follow.
   */
  async flushHeld(taskId: string): Promise<void> {
    const held = this.held.get(taskId);
    if (!held) return;
    let last = await this.store.lastEventSeq(taskId);
    while (held.length > 0) {
      const event = held[0]!;
      if (event.seq > last) {
        const next = event.seq === last + 1 ? event : { ...event, seq: last + 1 };
        await this.store.appendEvent(next);
        last = next.seq;
      }
      held.shift();
    }
    this.held.delete(taskId);
  }

  /**
   * Resolves at the next append for the task (or when `signal` aborts). Register before
   * reading the store, then read: an append in between is then either read or wakes you.
   */
  nextAppend(taskId: string, signal?: AbortSignal): { promise: Promise<void>; cancel(): void } {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    const set = this.waiters.get(taskId) ?? new Set<() => void>();
    this.waiters.set(taskId, set);
    const wake = (): void => {
      cancel();
      resolve();
    };
    // Appends elsewhere arrive over the bus, which may lose one: look again now and then anyway.
    const poll = this.bus?.safetyPollMs ? setTimeout(wake, this.bus.safetyPollMs) : undefined;
    const cancel = (): void => {
      clearTimeout(poll);
      set.delete(wake);
      if (set.size === 0 && this.waiters.get(taskId) === set) this.waiters.delete(taskId);
      signal?.removeEventListener('abort', wake);
    };
    set.add(wake);
    signal?.addEventListener('abort', wake, { once: true });
    return { promise, cancel };
  }

  /** Whether exactly this event is stored (an earlier attempt landed though its reply was lost). */
  private async isStored(event: TaskEvent): Promise<boolean> {
    const [stored] = await this.store.readEvents(event.task_id, event.seq - 1, 1);
    return stored !== undefined && JSON.stringify(stored) === JSON.stringify(event);
  }

  private wake(taskId: string): void {
    for (const wake of [...(this.waiters.get(taskId) ?? [])]) wake();
  }

  private wakeEveryone(): void {
    for (const taskId of [...this.waiters.keys()]) this.wake(taskId);
  }

  private async appendNow(taskId: string, draft: EventDraft): Promise<TaskEvent> {
    const held = this.held.get(taskId);
    const seq = this.nextSeq.get(taskId) ?? (held ? held[held.length - 1]!.seq + 1 : (await this.lastStoredSeq(taskId)) + 1);
    const data = redactDeep(draft.data, this.redact);
    const event = { seq, task_id: taskId, type: draft.type, timestamp: this.now().toISOString(), data } as TaskEvent;
    if (held) {
      // Keep order: nothing is stored after an event that is still waiting to be.
      held.push(event);
    } else {
      try {
        // A storage blip (Redis restarting) is ridden out first; a longer outage holds the event.
        await retryWhileUnavailable(() => this.store.appendEvent(event), {
          alreadyDone: async (error) => (error instanceof EventSeqConflictError && (await this.isStored(event)) ? { value: undefined } : null),
        });
      } catch (error) {
        // Someone else appended to this task (another instance finishing it): re-read next time.
        if (error instanceof EventSeqConflictError) {
          this.nextSeq.delete(taskId);
          throw error;
        }
        if (!classifyStorageError(error)) throw error;
        this.held.set(taskId, [event]);
      }
    }
    this.nextSeq.set(taskId, seq + 1);
    this.wake(taskId);
    return event;
  }

  private async lastStoredSeq(taskId: string): Promise<number> {
    try {
      return await this.store.lastEventSeq(taskId);
    } catch (error) {
      // Unknown while the store cannot be read: start at 1; flushHeld renumbers if needed.
      if (!classifyStorageError(error)) throw error;
      return 0;
    }
  }
}
