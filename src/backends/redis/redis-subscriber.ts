import type { Logger } from '../../observability/logger.js';
import type { RedisClient } from './redis-connection.js';

/**
 * The instance's one subscribed connection (a subscribed connection can run nothing else),
 * shared by the event bus and the queue's control channel. node-redis re-subscribes by itself
 * after a reconnect; messages published meanwhile are lost (pub/sub is at-most-once), so the
 * users are told when it is back and look again.
 */
export class RedisSubscriber {
  private readonly reconnectListeners = new Set<() => void>();
  private wasDown = false;

  constructor(
    private readonly client: RedisClient,
    logger: Logger,
  ) {
    client.on('error', (error: Error) => {
      this.wasDown = true;
      logger.debug('Redis subscriber connection error', { error: error.message });
    });
    client.on('ready', () => {
      if (!this.wasDown) return;
      this.wasDown = false;
      for (const listener of this.reconnectListeners) listener();
    });
  }

  /** Resolves once subscribed, to the function that ends this listener's subscription. */
  async subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>> {
    const own = (message: string): void => listener(message);
    await this.client.subscribe(channel, own);
    return async () => {
      if (this.client.isOpen) await this.client.unsubscribe(channel, own);
    };
  }

  /** Called each time the connection is back after an outage. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }
}
