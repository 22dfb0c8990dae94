import type { EventBus } from '../../events/event-bus.js';
import type { Logger } from '../../observability/logger.js';
import type { RedisClient, RedisConnection } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';

/** A reader re-reads at least this often, should a pub/sub message be lost (e.g. mid-reconnect). */
export const EVENT_SAFETY_POLL_MS = 1_000;

/**
 * Wake-ups over Redis pub/sub: RedisStore's append script publishes the task id on one channel
 * in the same atomic step as the XADD, and every instance keeps one subscribed connection
 * (not one per reader) and wakes its local readers of that task. Pub/sub is at-most-once, so
 * readers also re-read every EVENT_SAFETY_POLL_MS, and after a reconnect everyone looks again.
 */
export class RedisEventBus implements EventBus {
  readonly safetyPollMs = EVENT_SAFETY_POLL_MS;
  private readonly listeners = new Set<(taskId: string | null) => void>();

  private constructor(private readonly subscriber: RedisClient) {}

  static async open(connection: RedisConnection, logger: Logger): Promise<RedisEventBus> {
    const subscriber = await connection.duplicate('events');
    const bus = new RedisEventBus(subscriber);
    let wasDown = false;
    subscriber.on('error', () => (wasDown = true));
    subscriber.on('ready', () => {
      if (!wasDown) return;
      wasDown = false;
      logger.info('Event bus reconnected; every reader looks again');
      bus.emit(null);
    });
    // node-redis re-subscribes by itself after a reconnect.
    await subscriber.subscribe(new RedisKeys(connection.prefix).eventChannel(), (taskId) => bus.emit(taskId));
    return bus;
  }

  onAppend(listener: (taskId: string | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    try {
      if (this.subscriber.isOpen) await this.subscriber.close();
    } catch {
      this.subscriber.destroy();
    }
  }

  private emit(taskId: string | null): void {
    for (const listener of this.listeners) listener(taskId);
  }
}
