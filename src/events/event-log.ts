import type { Store } from '../storage/store.js';
import type { EventDraft, TaskEvent } from './event-types.js';

export type EventListener = (event: TaskEvent) => void;

export interface Subscription {
  unsubscribe(): void;
}

/**
 * Appends events with a per-task `seq` and fans them out to live subscribers. Appends for one
 * task are serialised, so seq order equals store order equals delivery order.
 */
export class EventLog {
  private readonly nextSeq = new Map<string, number>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly listeners = new Map<string, Set<EventListener>>();

  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  append(taskId: string, draft: EventDraft): Promise<TaskEvent> {
    const previous = this.chains.get(taskId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.appendNow(taskId, draft));
    this.chains.set(taskId, next);
    void next.finally(() => {
      if (this.chains.get(taskId) === next) this.chains.delete(taskId);
    }).catch(() => undefined);
    return next;
  }

  /** Resolves once every append already requested for the task is stored. */
  async settled(taskId: string): Promise<void> {
    await this.chains.get(taskId)?.catch(() => undefined);
  }

  /** Forget per-task counters once a task is finished; the store remains the source of truth. */
  forget(taskId: string): void {
    this.nextSeq.delete(taskId);
  }

  private async appendNow(taskId: string, draft: EventDraft): Promise<TaskEvent> {
    let seq = this.nextSeq.get(taskId);
    if (seq === undefined) seq = (await this.store.lastEventSeq(taskId)) + 1;
    const event = { seq, task_id: taskId, type: draft.type, timestamp: this.now().toISOString(), data: draft.data } as TaskEvent;
    await this.store.appendEvent(event);
    this.nextSeq.set(taskId, seq + 1);
    for (const listener of this.listeners.get(taskId) ?? []) {
      try {
        listener(event);
      } catch {
        // A broken subscriber must not stop the task or the other subscribers.
      }
    }
    return event;
  }

  /**
   * Delivers every stored event after `afterSeq`, then live ones, with no gap and no duplicate:
   * the live listener is attached before history is read, and anything it catches meanwhile is
   * held back and filtered by seq.
   */
  subscribe(taskId: string, afterSeq: number, deliver: EventListener): Subscription {
    let lastDelivered = afterSeq;
    let replaying = true;
    let stopped = false;
    const held: TaskEvent[] = [];

    const emit = (event: TaskEvent): void => {
      if (stopped || event.seq <= lastDelivered) return;
      lastDelivered = event.seq;
      deliver(event);
    };
    const live: EventListener = (event) => (replaying ? held.push(event) : emit(event));

    const set = this.listeners.get(taskId) ?? new Set<EventListener>();
    set.add(live);
    this.listeners.set(taskId, set);

    const unsubscribe = (): void => {
      stopped = true;
      set.delete(live);
      if (set.size === 0 && this.listeners.get(taskId) === set) this.listeners.delete(taskId);
    };

    void (async () => {
      try {
        for (const event of await this.store.readEvents(taskId, afterSeq)) emit(event);
      } finally {
        replaying = false;
        for (const event of held.splice(0)) emit(event);
      }
    })().catch(() => unsubscribe());

    return { unsubscribe };
  }

  subscriberCount(taskId?: string): number {
    if (taskId !== undefined) return this.listeners.get(taskId)?.size ?? 0;
    let total = 0;
    for (const set of this.listeners.values()) total += set.size;
    return total;
  }
}
