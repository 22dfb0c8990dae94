import { createLogger } from '../observability/logger.js';
import { FenceRegistry } from '../tasks/queue/fence-registry.js';
import { LeaseKeeper } from '../tasks/queue/lease-keeper.js';
import { LeaseReaper } from '../tasks/queue/lease-reaper.js';
import { LuaScript } from '../backends/redis/lua-script.js';
import { RedisConnection } from '../backends/redis/redis-connection.js';
import { fenceKey, RedisTaskQueue } from '../backends/redis/redis-task-queue.js';
import type { ClaimedTask } from '../tasks/queue/task-queue.js';
import { Scheduler } from '../tasks/scheduler.js';

/**
 * A queue worker without agents: the real Redis queue, scheduler, lease keeper and reaper, where
 * "running a task" means writing a journal to Redis for TASK_MS, every write fenced as the
 * Redis store's are (contract D). Used by the multi-process queue tests (test/scale/) and the
 * queue-only part of `npm run bench:scale`, to check the control plane apart from the store.
 *
 * Env: REDIS_URL, QUEUE_PREFIX, INSTANCE_ID, SLOTS, LEASE_MS, TASK_MS, TENANT_CAPS (JSON).
 * Journal keys: {prefix:t:ID}:log (list of "<what> <instance>"), {prefix:t:ID}:outcome.
 */

const LUA_DIR = new URL('./lua/', import.meta.url);
const JOURNAL_APPEND = LuaScript.load('journal-append', LUA_DIR);
const JOURNAL_OUTCOME = LuaScript.load('journal-outcome', LUA_DIR);

class Journal {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    /** Transient failures (Redis restarting) are retried this long, as a store would. */
    private readonly retryMs: number,
  ) {}

  private async retry<T>(write: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.retryMs;
    for (;;) {
      try {
        return await write();
      } catch (error) {
        if ((error instanceof Error && error.message.startsWith('FENCED')) || Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private keys(taskId: string): string[] {
    const tag = `{${this.prefix}:t:${taskId}}`;
    return [fenceKey(this.prefix, taskId), `${tag}:log`, `${tag}:outcome`];
  }

  append(taskId: string, fence: string, entry: string): Promise<unknown> {
    return this.retry(() => this.redis.script(JOURNAL_APPEND, this.keys(taskId), [fence, entry, taskId]));
  }

  outcome(taskId: string, fence: string, outcome: string): Promise<unknown> {
    return this.retry(() => this.redis.script(JOURNAL_OUTCOME, this.keys(taskId), [fence, outcome, taskId]));
  }
}

async function main(): Promise<void> {
  const env = process.env;
  const instanceId = env.INSTANCE_ID ?? `worker-${process.pid}`;
  const prefix = env.QUEUE_PREFIX ?? 'ccs';
  const slots = Number(env.SLOTS ?? '2');
  const leaseMs = Number(env.LEASE_MS ?? '2000');
  const taskMs = Number(env.TASK_MS ?? '500');
  const logger = createLogger({ level: 'INFO' }).child(`worker.${instanceId}`);
  const url = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  // One connection (and its subscriber) for the queue and the journal, as a server instance has.
  const redis = await RedisConnection.open({ url, host: '', port: 0, prefix, clientName: `${prefix}:${instanceId}` }, logger.child('redis'));
  const journal = new Journal(redis, prefix, leaseMs);
  const queue = new RedisTaskQueue(
    redis,
    { maxConcurrent: slots, queueMax: 100_000, tenantCaps: JSON.parse(env.TENANT_CAPS ?? '{}') as Record<string, number>, leaseMs, affinityMs: 0 },
    prefix,
  );
  const fences = new FenceRegistry();
  const aborts = new Map<string, AbortController>();
  const say = (line: string): void => void process.stdout.write(`${line}\n`);

  const running = new Set<string>();
  const run = async (task: ClaimedTask): Promise<boolean> => {
    const abort = new AbortController();
    aborts.set(task.taskId, abort);
    running.add(task.taskId);
    const active = `${prefix}:active:${task.sessionId}`;
    try {
      if (running.size > slots) await redis.command(['RPUSH', `${prefix}:violations`, `${instanceId} ran ${running.size} tasks with ${slots} slots`]);
      if ((await redis.command<number>(['SADD', active, task.taskId])) === 1 && (await redis.command<number>(['SCARD', active])) > 1) {
        await redis.command(['RPUSH', `${prefix}:violations`, `session ${task.sessionId} ran two tasks at once`]);
      }
      await journal.append(task.taskId, task.fence, `start ${instanceId}`);
      const end = Date.now() + taskMs;
      while (Date.now() < end && !abort.signal.aborted) {
        await new Promise((r) => setTimeout(r, Math.min(50, end - Date.now())));
        await journal.append(task.taskId, task.fence, `tick ${instanceId}`);
      }
      await redis.command(['SREM', active, task.taskId]);
      await journal.outcome(task.taskId, task.fence, abort.signal.aborted ? `interrupted LEASE_LOST ${instanceId}` : `completed ${instanceId}`);
      say(`${abort.signal.aborted ? 'STOPPED' : 'DONE'} ${task.taskId}`);
      return true;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('FENCED')) say(`FENCED ${task.taskId}`);
      else say(`ERROR ${task.taskId} ${String(error)}`);
      return false;
    } finally {
      aborts.delete(task.taskId);
      running.delete(task.taskId);
    }
  };

  const scheduler = new Scheduler(queue, run, { instanceId, maxConcurrent: slots, pollMs: 100, finishRetryMs: leaseMs, fences, logger });
  const keeper = new LeaseKeeper({
    queue,
    leases: () => scheduler.localLeases(),
    onLost: (taskId) => aborts.get(taskId)?.abort(),
    onStopRequested: (taskId) => aborts.get(taskId)?.abort(),
    leaseMs,
    logger,
  });
  const reaper = new LeaseReaper({
    queue,
    fences,
    instanceId,
    intervalMs: Math.max(50, Math.floor(leaseMs / 4)),
    logger,
    isLocal: (taskId) => scheduler.runsHere(taskId),
    settle: async (claimed) => {
      const started = (await redis.command<string[]>(['LRANGE', `{${prefix}:t:${claimed.taskId}}:log`, '0', '0'])).length > 0;
      if (!started) return 'requeue';
      await redis.command(['SREM', `${prefix}:active:${claimed.sessionId}`, claimed.taskId]);
      await journal.outcome(claimed.taskId, claimed.fence, `interrupted INSTANCE_LOST ${instanceId}`);
      say(`REAPED ${claimed.taskId}`);
      return 'settled';
    },
  });
  await queue.ready();
  keeper.start();
  reaper.start();
  scheduler.start();
  say(`READY ${instanceId}`);
  process.on('SIGTERM', () => {
    scheduler.pause();
    keeper.stop();
    void reaper
      .stop()
      .then(() => scheduler.drained())
      .then(() => Promise.all([queue.close(), redis.close()]))
      .finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`queue worker failed: ${String(error)}\n`);
  process.exit(1);
});
