import { afterAll, beforeAll } from 'vitest';
import { RedisConnection } from '../../src/backends/redis/redis-connection.js';
import { createLogger } from '../../src/observability/logger.js';
import { RedisProcess } from '../helpers/redis-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const logger = createLogger({ level: 'ERROR', sink: () => undefined });

export interface RedisInstances {
  /** The first instance's connection. */
  first: RedisConnection;
  /** Another instance on the same Redis and prefix. */
  another(): Promise<RedisConnection>;
  closeAll(): Promise<void>;
}

/**
 * One redis-server for the file (started before its suites, stopped after), and per call a fresh
 * key prefix with connections as several instances of one deployment would hold them.
 */
export function redisInstancesForFile(): () => Promise<RedisInstances> {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.close();
  });
  return async () => {
    const prefix = RedisProcess.prefix();
    const open = () => RedisConnection.open({ url: redis.url, host: '', port: 0, prefix }, logger);
    const connections = [await open()];
    return {
      first: connections[0]!,
      another: async () => {
        const other = await open();
        connections.push(other);
        return other;
      },
      closeAll: async () => {
        for (const c of connections) await c.close();
      },
    };
  };
}
