import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { eventually, QueueCluster } from '../helpers/queue-workers.js';

/**
 * The control plane across real processes: several agent-free queue workers
 * (src/dev/queue-worker.ts) on one real Redis, killed, frozen and cut off for real. Tasks
 * write a fenced journal to Redis as the Redis store does (contract D), so a fenced worker's
 * late writes show up as refused, never as data.
 */
const LEASE_MS = 1500;

describe('shared queue across processes (real Redis)', () => {
  let server: RedisServer;
  let cluster: QueueCluster;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  afterEach(async () => {
    await cluster?.close();
  });

  const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  it('runs every task exactly once across three workers, one task per session and per slot', async () => {
    cluster = await QueueCluster.open(server, LEASE_MS);
    await Promise.all(['w1', 'w2', 'w3'].map((id) => cluster.startWorker(id, { SLOTS: '2', TASK_MS: '150' })));
    const tasks = ids('t', 24);
    for (const [i, id] of tasks.entries()) await cluster.submit(id, `session${i % 6}`, `tenant${i % 2}`);
    const outcomes = await cluster.outcomes(tasks);
    for (const id of tasks) {
      const log = await cluster.log(id);
      const worker = log[0]!.split(' ')[1];
      expect(outcomes[id]).toBe(`completed ${worker}`);
      // Only the worker that started the task ever wrote to it.
      expect(log.every((entry) => entry.endsWith(` ${worker}`))).toBe(true);
    }
    expect(await cluster.violations()).toEqual([]);
    const byWorker = new Set(Object.values(outcomes).map((o) => o.split(' ')[1]));
    expect(byWorker.size).toBeGreaterThan(1);
    expect(await cluster.queue.counts()).toEqual({ queued: 0, running: 0 });
  });

  it('kill -9 mid-task: a peer ends its tasks interrupted (INSTANCE_LOST) and runs the queued ones', async () => {
    cluster = await QueueCluster.open(server, LEASE_MS);
    const doomed = await cluster.startWorker('doomed', { SLOTS: '2', TASK_MS: '120000' });
    await cluster.submit('long0');
    await cluster.submit('long1');
    await eventually(async () => (await cluster.log('long0')).length > 0 && (await cluster.log('long1')).length > 0, 'both long tasks to start');
    await cluster.startWorker('survivor', { SLOTS: '2', TASK_MS: '100' });
    const queued = ids('q', 4);
    for (const id of queued) await cluster.submit(id);
    doomed.child.kill('SIGKILL');
    await doomed.exited;

    const outcomes = await cluster.outcomes(['long0', 'long1', ...queued]);
    expect(outcomes.long0).toBe('interrupted INSTANCE_LOST survivor');
    expect(outcomes.long1).toBe('interrupted INSTANCE_LOST survivor');
    for (const id of queued) expect(outcomes[id]).toBe('completed survivor');
    expect(await cluster.queue.counts()).toEqual({ queued: 0, running: 0 });
  });

  it('a newly started worker leaves the tasks of a live peer alone', async () => {
    cluster = await QueueCluster.open(server, LEASE_MS);
    await cluster.startWorker('busy', { SLOTS: '1', TASK_MS: String(LEASE_MS * 4) });
    await cluster.submit('kept');
    await eventually(async () => (await cluster.log('kept')).length > 0, 'the task to start');
    await cluster.startWorker('newcomer', { SLOTS: '1', TASK_MS: '100' });
    const outcome = await eventually(() => cluster.outcome('kept'), 'the task to finish');
    expect(outcome).toBe('completed busy');
    expect((await cluster.log('kept')).every((e) => e.endsWith(' busy'))).toBe(true);
  });

  it('SIGSTOP past a lease, then SIGCONT: the frozen worker is fenced out and stops its own work', async () => {
    cluster = await QueueCluster.open(server, LEASE_MS);
    const frozen = await cluster.startWorker('frozen', { SLOTS: '1', TASK_MS: String(LEASE_MS * 3) });
    await cluster.submit('held');
    await eventually(async () => (await cluster.log('held')).length > 0, 'the task to start');
    await cluster.startWorker('peer', { SLOTS: '1', TASK_MS: '100' });
    frozen.child.kill('SIGSTOP');
    expect(await eventually(() => cluster.outcome('held'), 'a peer to take the task over')).toBe('interrupted INSTANCE_LOST peer');
    frozen.child.kill('SIGCONT');
    await eventually(async () => frozen.lines('FENCED').includes('held'), 'the frozen worker to be refused');
    const log = await cluster.log('held');
    expect(log.at(-1)).toBe('interrupted INSTANCE_LOST peer');
    // It goes back to work as a healthy instance.
    await cluster.submit('after0');
    await cluster.submit('after1');
    const outcomes = await cluster.outcomes(['after0', 'after1']);
    expect(Object.values(outcomes).every((o) => o.startsWith('completed'))).toBe(true);
  });

  it('Redis restart mid-run: every acknowledged task reaches an outcome, each journal ends with it', async () => {
    cluster = await QueueCluster.open(server, LEASE_MS);
    await Promise.all(['r1', 'r2'].map((id) => cluster.startWorker(id, { SLOTS: '2', TASK_MS: '400' })));
    const tasks = ids('r', 12);
    for (const id of tasks) await cluster.submit(id);
    await eventually(async () => (await cluster.log('r0')).length > 0, 'work to begin');
    await server.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await server.restart();
    const outcomes = await cluster.outcomes(tasks);
    for (const id of tasks) {
      expect(outcomes[id]).toMatch(/^(completed|interrupted (LEASE_LOST|INSTANCE_LOST)) r[12]$/);
      expect((await cluster.log(id)).at(-1)).toBe(outcomes[id]);
    }
    expect(await cluster.violations()).toEqual([]);
    expect(
      await eventually(async () => {
        const counts = await cluster.queue.counts();
        return counts.running === 0 && counts.queued === 0 ? counts : null;
      }, 'the queue to drain'),
    ).toEqual({ queued: 0, running: 0 });
  });
});
