import { redactDeep, type Redactor } from '../observability/redact.js';
import { retryWhileUnavailable } from '../storage/retry-unavailable.js';
import { EventSeqConflictError, type Store } from '../storage/store.js';
import type { EventBus } from './event-bus.js';
import type { EventDraft, TaskEvent } from './event-types.js';

/**
 * Appends events with a per-task `seq` and wakes whoever waits for new ones. Appends for one
 * task are serialised, so seq order equals store order. Readers always read from the store
 * (see event-stream.ts), which is what makes replay and live delivery one gap-free path.
 */
export class EventLog {
  private readonly nextSeq = new Map<string, number>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly waiters = new Map<string, Set<() => void>>();

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
    let seq = this.nextSeq.get(taskId);
    if (seq === undefined) seq = (await this.store.lastEventSeq(taskId)) + 1;
    const data = redactDeep(draft.data, this.redact);
    const event = { seq, task_id: taskId, type: draft.type, timestamp: this.now().toISOString(), data } as TaskEvent;
    try {
      // A storage blip (Redis restarting) must not lose the event or fail the task.
      await retryWhileUnavailable(() => this.store.appendEvent(event), {
        alreadyDone: async (error) => (error instanceof EventSeqConflictError && (await this.isStored(event)) ? { value: undefined } : null),
      });
    } catch (error) {
      // Someone else appended to this task (another instance finishing it): re-read next time.
      if (error instanceof EventSeqConflictError) this.nextSeq.delete(taskId);
      throw error;
    }
    this.nextSeq.set(taskId, seq + 1);
    this.wake(taskId);
    return event;
  }
}
