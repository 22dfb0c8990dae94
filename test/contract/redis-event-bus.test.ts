import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBus } from '../../src/events/event-bus.js';
import { EventLog } from '../../src/events/event-log.js';
import { createLogger } from '../../src/observability/logger.js';
import { RedisConnection } from '../../src/backends/redis/redis-connection.js';
import { RedisEventBus } from '../../src/backends/redis/redis-event-bus.js';
import { RedisKeys } from '../../src/backends/redis/redis-keys.js';
import { RedisStore } from '../../src/backends/redis/redis-store.js';
import { RedisProcess } from '../helpers/redis-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { eventWakeupsContract } from './event-bus.contract.js';

const logger = createLogger({ level: 'ERROR', sink: () => undefined });
let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.close();
});

const connect = (prefix: string): Promise<RedisConnection> => RedisConnection.open({ url: server.url, host: '', port: 0, prefix }, logger);

/** One instance's view: its own connection, and its bus. */
async function instance(prefix: string): Promise<{ log: EventLog; bus: RedisEventBus; close(): Promise<void> }> {
  const connection = await connect(prefix);
  const bus = await RedisEventBus.open(connection, logger);
  // The log sees the bus without its safety poll, so a wake-up here can only have come over the bus.
  const busAlone: EventBus = { onAppend: (listener) => bus.onAppend(listener), safetyPollMs: null, close: () => bus.close() };
  return {
    log: new EventLog(new RedisStore(connection), undefined, undefined, busAlone),
    bus,
    close: async () => {
      await bus.close();
      await connection.close();
    },
  };
}

// Three instances on one Redis and prefix: two readers, and a writer that wakes them over the bus.
eventWakeupsContract('redis (RedisEventBus between instances)', async () => {
  const prefix = RedisProcess.prefix();
  const [first, second, writer] = await Promise.all([instance(prefix), instance(prefix), instance(prefix)]);
  return {
    readers: [first.log, second.log],
    writer: writer.log,
    cleanup: async () => {
      await Promise.all([first.close(), second.close(), writer.close()]);
    },
  };
});

/** Resolves with the task ids a listener hears, once it has heard `count`. */
const hear = (bus: RedisEventBus, count: number): Promise<(string | null)[]> =>
  new Promise((resolve) => {
    const heard: (string | null)[] = [];
    bus.onAppend((taskId) => {
      heard.push(taskId);
      if (heard.length === count) resolve(heard);
    });
  });

describe('RedisEventBus specifics', () => {
  it('an unsubscribed listener hears nothing more; the others on the bus still do', async () => {
    const prefix = RedisProcess.prefix();
    const [reader, writer] = await Promise.all([instance(prefix), instance(prefix)]);
    try {
      const left: (string | null)[] = [];
      const unsubscribe = reader.bus.onAppend((taskId) => left.push(taskId));
      const staying = hear(reader.bus, 2);
      await writer.log.append('task-a', { type: 'message', data: { role: 'assistant', text: 'one' } });
      await new Promise<void>((resolve) => reader.bus.onAppend(() => resolve()));
      unsubscribe();
      await writer.log.append('task-b', { type: 'message', data: { role: 'assistant', text: 'two' } });
      expect(await staying).toEqual(['task-a', 'task-b']);
      expect(left).toEqual(['task-a']);
    } finally {
      await Promise.all([reader.close(), writer.close()]);
    }
  });

  it('after close a bus delivers nothing, and its subscriber connection is gone; a second close resolves', async () => {
    const prefix = RedisProcess.prefix();
    const [closing, open, writer] = await Promise.all([instance(prefix), instance(prefix), instance(prefix)]);
    try {
      const heardByClosed: (string | null)[] = [];
      closing.bus.onAppend((taskId) => heardByClosed.push(taskId));
      await closing.bus.close();
      await closing.bus.close();
      const heardByOpen = hear(open.bus, 1);
      await writer.log.append('task-a', { type: 'message', data: { role: 'assistant', text: 'one' } });
      expect(await heardByOpen).toEqual(['task-a']);
      expect(heardByClosed).toEqual([]);
      // Redis itself no longer counts the closed bus among the channel's subscribers.
      const channel = new RedisKeys(prefix).eventChannel();
      const connection = await connect(prefix);
      try {
        expect(await connection.client.pubSubNumSub(channel)).toEqual({ [channel]: 2 });
      } finally {
        await connection.close();
      }
    } finally {
      await Promise.all([closing.close(), open.close(), writer.close()]);
    }
  });

  it('after a Redis restart every listener hears null (look again), and wake-ups flow again', async () => {
    const prefix = RedisProcess.prefix();
    const [reader, writer] = await Promise.all([instance(prefix), instance(prefix)]);
    try {
      const heard: (string | null)[] = [];
      reader.bus.onAppend((taskId) => heard.push(taskId));
      await server.stop('SIGKILL');
      await server.restart();
      // Until the subscriber is back a wake-up may be lost (the safety poll covers that): append until one arrives.
      for (let i = 1; !heard.includes('task-a'); i++) {
        await writer.log.append('task-a', { type: 'message', data: { role: 'assistant', text: `after ${i}` } }).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(heard[0]).toBeNull();
      expect(reader.bus.safetyPollMs).toBeGreaterThan(0);
    } finally {
      await Promise.all([reader.close(), writer.close()]);
    }
  });
});
