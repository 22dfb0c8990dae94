import { RedisProcess } from './redis-process.js';

/** The functional face of RedisProcess that the queue and scale suites use. */
export interface RedisServer {
  port: number;
  url: string;
  dir: string;
  /** Stops the server the hard way or the polite way; data on disk (AOF) stays. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

/** A real redis-server on a random loopback port, its data in a fresh temporary directory. */
export async function startRedisServer(): Promise<RedisServer> {
  const redis = await RedisProcess.start();
  return {
    port: redis.port,
    url: redis.url,
    dir: redis.dir,
    stop: (signal) => redis.stop(signal),
    restart: () => redis.resume(),
    close: () => redis.close(),
  };
}
