import type { EventBus } from '../../events/event-bus.js';
import type { Logger } from '../../observability/logger.js';
import type { RedisConnection } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';

/** A reader re-reads at least this often, should a pub/sub message be lost (e.g. mid-reconnect). */
export const EVENT_SAFETY_POLL_MS = 1_000;

/**
 * Wake-ups over Redis pub/sub: RedisStore's append script publishes the task id on one channel
 * in the same atomic step as the XADD; each instance hears it on its one subscribed connection
 * (not one per reader; the queue's control channel shares it) and wakes its local readers of
 * that task. Pub/sub is at-most-once, so readers also re-read every EVENT_SAFETY_POLL_MS, and
 * after a reconnect everyone looks again.
 */
export class RedisEventBus implements EventBus {
  readonly safetyPollMs = EVENT_SAFETY_POLL_MS;
  private readonly listeners = new Set<(taskId: string | null) => void>();
  private stopWatching: () => void = () => undefined;
  private unsubscribe: () => Promise<void> = async () => undefined;

  private constructor() {}

  static async open(connection: RedisConnection, logger: Logger): Promise<RedisEventBus> {
    const subscriber = await connection.subscriber();
    const bus = new RedisEventBus();
    bus.stopWatching = subscriber.onReconnect(() => {
      logger.info('Event bus reconnected; every reader looks again');
      bus.emit(null);
    });
    bus.unsubscribe = await subscriber.subscribe(new RedisKeys(connection.prefix).eventChannel(), (taskId) => bus.emit(taskId));
    return bus;
  }

  onAppend(listener: (taskId: string | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops waking readers and leaves the channel; the subscribed connection is the instance's and closes with it. */
  async close(): Promise<void> {
    this.listeners.clear();
    this.stopWatching();
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = async () => undefined;
    await unsubscribe();
  }

  private emit(taskId: string | null): void {
    for (const listener of this.listeners) listener(taskId);
  }
}
