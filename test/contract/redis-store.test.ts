import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { RedisConnection } from '../../src/backends/redis/redis-connection.js';
import { RedisStore } from '../../src/backends/redis/redis-store.js';
import { EventSeqConflictError, FencedWriteError } from '../../src/storage/store.js';
import { RedisProcess } from '../helpers/redis-process.js';
import { makeEvent, makeTask, storeContract } from './store.contract.js';

const logger = createLogger({ level: 'ERROR', sink: () => undefined });
let redis: RedisProcess;

beforeAll(async () => {
  redis = await RedisProcess.start();
});
afterAll(async () => {
  await redis?.close();
});

const connect = (prefix: string): Promise<RedisConnection> => RedisConnection.open({ url: redis.url, host: '', port: 0, prefix }, logger);

storeContract('redis', async () => {
  const prefix = RedisProcess.prefix();
  const connections: RedisConnection[] = [await connect(prefix)];
  return {
    store: new RedisStore(connections[0]!),
    reopen: async () => {
      const connection = await connect(prefix);
      connections.push(connection);
      return new RedisStore(connection);
    },
    cleanup: async () => {
      for (const connection of connections) await connection.close();
    },
  };
});

describe('RedisStore specifics', () => {
  it('two instances (two connections) share data, insert-if-absent and the seq rule', async () => {
    const prefix = RedisProcess.prefix();
    const [ca, cb] = await Promise.all([connect(prefix), connect(prefix)]);
    try {
      const a = new RedisStore(ca);
      const b = new RedisStore(cb);
      const results = await Promise.all([a, b, a, b].map((s, i) => s.insertTask(makeTask({ request_hash: `h${i}` }))));
      expect(results.filter((r) => r.inserted)).toHaveLength(1);
      const appends = await Promise.allSettled([a, b].map((s) => s.appendEvent(makeEvent('task-1', 1))));
      expect(appends.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      await expect(b.appendEvent(makeEvent('task-1', 1))).rejects.toBeInstanceOf(EventSeqConflictError);
      await b.appendEvent(makeEvent('task-1', 2));
      expect((await a.readEvents('task-1', 0)).map((e) => e.seq)).toEqual([1, 2]);
    } finally {
      await Promise.all([ca.close(), cb.close()]);
    }
  });

  it('keeps one task in one hash slot and events as a stream with entry id <seq>-0', async () => {
    const prefix = RedisProcess.prefix();
    const connection = await connect(prefix);
    try {
      const store = new RedisStore(connection);
      await store.insertTask(makeTask());
      await store.appendEvent(makeEvent('task-1', 1));
      await store.appendEvent(makeEvent('task-1', 2));
      const entries = await connection.client.xRange(`{${prefix}:t:task-1}:events`, '-', '+');
      expect(entries.map((e) => e.id)).toEqual(['1-0', '2-0']);
      expect(await connection.client.type(`{${prefix}:t:task-1}:task`)).toBe('hash');
    } finally {
      await connection.close();
    }
  });

  it('honours the fencing token on every task write and event append', async () => {
    const prefix = RedisProcess.prefix();
    const connection = await connect(prefix);
    try {
      let token: string | null = 'owner-a';
      const store = new RedisStore(connection, { fenceFor: () => token });
      await store.insertTask(makeTask());
      // no fence key yet: writes pass
      await store.updateTask('task-1', { status: 'running' });
      await store.appendEvent(makeEvent('task-1', 1));
      await connection.client.set(`{${prefix}:t:task-1}:fence`, 'owner-a');
      await store.appendEvent(makeEvent('task-1', 2));
      // another instance took the task over
      await connection.client.set(`{${prefix}:t:task-1}:fence`, 'owner-b');
      await expect(store.updateTask('task-1', { status: 'completed' })).rejects.toBeInstanceOf(FencedWriteError);
      await expect(store.appendEvent(makeEvent('task-1', 3))).rejects.toBeInstanceOf(FencedWriteError);
      expect((await store.getTask('task-1'))!.status).toBe('running');
      expect(await store.lastEventSeq('task-1')).toBe(2);
      // a writer without a token (null) is not fenced
      token = null;
      await store.appendEvent(makeEvent('task-1', 3));
      token = 'owner-b';
      await store.updateTask('task-1', { status: 'completed' });
    } finally {
      await connection.close();
    }
  });

  it('lists by tenant from its own index, newest first', async () => {
    const connection = await connect(RedisProcess.prefix());
    try {
      const store = new RedisStore(connection);
      const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
      await store.insertTask(makeTask({ task_id: 'a1', tenant_id: 'a', created_at: at(1) }));
      await store.insertTask(makeTask({ task_id: 'b1', tenant_id: 'b', created_at: at(2) }));
      await store.insertTask(makeTask({ task_id: 'a2', tenant_id: 'a', created_at: at(3), status: 'running' }));
      expect((await store.listTasks({ limit: 10, tenant_id: 'a' })).items.map((t) => t.task_id)).toEqual(['a2', 'a1']);
      expect((await store.listTasks({ limit: 10, tenant_id: 'a', status: 'queued' })).items.map((t) => t.task_id)).toEqual(['a1']);
      await store.updateTask('a1', { status: 'running' });
      expect((await store.listTasks({ limit: 10, tenant_id: 'a', status: 'queued' })).items).toEqual([]);
      expect((await store.listTasks({ limit: 10, tenant_id: 'a', status: 'running' })).items.map((t) => t.task_id)).toEqual(['a2', 'a1']);
    } finally {
      await connection.close();
    }
  });
});

describe('RedisEventBus', () => {
  it('wakes a reader on another connection when an event is appended, with the task id', async () => {
    const { RedisEventBus } = await import('../../src/backends/redis/redis-event-bus.js');
    const prefix = RedisProcess.prefix();
    const [writer, reader] = await Promise.all([connect(prefix), connect(prefix)]);
    const bus = await RedisEventBus.open(reader, logger);
    try {
      const heard: (string | null)[] = [];
      const woken = new Promise<void>((resolve) =>
        bus.onAppend((taskId) => {
          heard.push(taskId);
          if (heard.length === 2) resolve();
        }),
      );
      const store = new RedisStore(writer);
      await store.appendEvent(makeEvent('task-x', 1));
      await store.appendEvent(makeEvent('task-y', 1));
      // a refused append announces nothing
      await expect(store.appendEvent(makeEvent('task-x', 5))).rejects.toBeInstanceOf(EventSeqConflictError);
      await woken;
      expect(heard).toEqual(['task-x', 'task-y']);
      expect(bus.safetyPollMs).toBeGreaterThan(0);
    } finally {
      await bus.close();
      await Promise.all([writer.close(), reader.close()]);
    }
  });

  it('another prefix hears nothing', async () => {
    const { RedisEventBus } = await import('../../src/backends/redis/redis-event-bus.js');
    const [writer, reader] = await Promise.all([connect(RedisProcess.prefix()), connect(RedisProcess.prefix())]);
    const bus = await RedisEventBus.open(reader, logger);
    try {
      const heard: (string | null)[] = [];
      bus.onAppend((taskId) => heard.push(taskId));
      const store = new RedisStore(writer);
      await store.appendEvent(makeEvent('task-z', 1));
      // a message for our own prefix, sent after, proves delivery has happened in order
      const own = new RedisStore(reader);
      const ownHeard = new Promise<void>((resolve) => bus.onAppend((id) => id === 'mine' && resolve()));
      await own.appendEvent(makeEvent('mine', 1));
      await ownHeard;
      expect(heard).toEqual(['mine']);
    } finally {
      await bus.close();
      await Promise.all([writer.close(), reader.close()]);
    }
  });
});

describe('RedisConnection health', () => {
  it('a frozen Redis (SIGSTOP) times commands out as StorageUnavailableError and reports down; it heals by itself after SIGCONT', async () => {
    const { StorageUnavailableError } = await import('../../src/storage/store.js');
    const own = await RedisProcess.start();
    const connection = await RedisConnection.open({ url: own.url, host: '', port: 0, prefix: RedisProcess.prefix(), commandTimeoutMs: 300 }, logger);
    try {
      const store = new RedisStore(connection);
      await store.insertTask(makeTask());
      expect(connection.health()).toEqual({ up: true, reason: null });
      own.signal('SIGSTOP');
      await expect(store.getTask('task-1')).rejects.toBeInstanceOf(StorageUnavailableError);
      expect(connection.health().up).toBe(false);
      own.signal('SIGCONT');
      // no request needed: the connection probes until Redis answers again
      const deadline = Date.now() + 20_000;
      while (!connection.health().up && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(connection.health()).toEqual({ up: true, reason: null });
      expect((await store.getTask('task-1'))?.task_id).toBe('task-1');
    } finally {
      own.signal('SIGCONT');
      await connection.close();
      await own.close();
    }
  });
});
