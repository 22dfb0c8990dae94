import { createHash } from 'node:crypto';
import { createClient, ErrorReply } from 'redis';
import { StorageUnavailableError } from '../../storage/store.js';

/**
 * The queue's own Redis connection. It is kept in this one file so that it can be swapped for
 * the shared connection module (src/storage/redis/redis-connection.ts) without touching the
 * queue: all the queue needs is `command`, `script` and `subscribe`.
 */
export interface RedisConnectionOptions {
  /** STORAGE_REDIS_URL: redis:// or rediss:// with password and database; wins over host/port. */
  url?: string | undefined;
  host: string;
  port: number;
}

export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

export interface QueueRedis {
  command<T = unknown>(args: readonly string[]): Promise<T>;
  /** EVALSHA, falling back to EVAL when the server has lost its script cache (a restart). */
  script<T = unknown>(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<T>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  publish(channel: string, message: string): Promise<void>;
  close(): Promise<void>;
}

type Client = ReturnType<typeof createClient>;

function clientFor(options: RedisConnectionOptions): Client {
  const client = createClient({
    ...(options.url ? { url: options.url } : {}),
    // Fail at once while disconnected: the queue retries on its own schedule, and a lease
    // renewal that waited in an offline queue would look successful when it is already late.
    disableOfflineQueue: true,
    socket: {
      ...(options.url ? {} : { host: options.host, port: options.port }),
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000),
      connectTimeout: 2000,
    },
  });
  // node-redis emits 'error' for every failed reconnect; without a listener Node would crash.
  client.on('error', () => undefined);
  return client;
}

export async function connectQueueRedis(options: RedisConnectionOptions): Promise<QueueRedis> {
  const client = clientFor(options);
  await client.connect();
  let subscriber: Client | null = null;

  // An answer from Redis (a script's own error, NOSCRIPT) passes through; anything else means Redis
  // cannot be reached (disconnected, reconnecting, closed) and is a storage outage, not a bug.
  const command = <T>(args: readonly string[]): Promise<T> =>
    (client.sendCommand(args) as Promise<T>).catch((error: unknown) => {
      if (error instanceof ErrorReply) throw error;
      throw new StorageUnavailableError(`Redis (queue): ${error instanceof Error ? error.message : String(error)}`);
    });
  return {
    command,
    script: async <T>(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<T> => {
      const tail = [String(keys.length), ...keys, ...args.map(String)];
      try {
        return await command<T>(['EVALSHA', script.sha, ...tail]);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return command<T>(['EVAL', script.source, ...tail]);
      }
    },
    subscribe: async (channel, listener) => {
      if (!subscriber) {
        subscriber = client.duplicate();
        subscriber.on('error', () => undefined);
        await subscriber.connect();
      }
      // node-redis re-subscribes by itself after a reconnect.
      await subscriber.subscribe(channel, (message: string) => listener(message));
    },
    publish: async (channel, message) => {
      await command(['PUBLISH', channel, message]);
    },
    close: async () => {
      await Promise.allSettled([client.close(), subscriber?.close()]);
    },
  };
}
