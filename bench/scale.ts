/**
 * Scale-out benchmark. Prints JSON.
 *
 *   queue     The control plane alone: 1, 2 and 3 agent-free worker processes
 *             (src/dev/queue-worker.ts) on one Redis drain a burst of tasks that each wait
 *             --task-ms (as a model call does); plus the queue's own cost per task
 *             (reserve + enqueue + claim + finish), in-process against Redis.
 *   burst     Real daemons (STORAGE_TYPE=redis, --slots each) on one Redis and the scripted
 *             model: time for 1, 2 and 3 instances to finish a burst of --tasks new-session
 *             tasks of --turns model calls each, every call held 0.5-1.5x --model-ms (mean
 *             --model-ms), as real calls wait on the model. --burst-runs interleaved runs.
 *   latency   One instance, one task at a time: the same task on SQLite and on Redis.
 *
 *   npm run -s bench:scale                       (builds first)
 *   node dist/bench/scale.js [--only queue,burst,latency] [--tasks 24] [--slots 2] [--turns 3]
 *                            [--model-ms 3000] [--burst-runs 2] [--task-ms 500] [--runs 10]
 */
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { startScriptedModel } from '../src/dev/scripted-model/index.js';
import { InProcessTaskQueue } from '../src/tasks/queue/in-process-task-queue.js';
import { RedisConnection } from '../src/backends/redis/redis-connection.js';
import { createLogger } from '../src/observability/logger.js';
import { RedisTaskQueue } from '../src/backends/redis/redis-task-queue.js';
import type { QueueLimits, TaskQueue } from '../src/tasks/queue/task-queue.js';
import { median, startBenchDaemon, startBenchRedis, startQueueWorker, waitUntil, type BenchDaemon, type BenchRedis } from './scale-processes.js';

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '24' },
    'task-ms': { type: 'string', default: '500' },
    'model-ms': { type: 'string', default: '3000' },
    runs: { type: 'string', default: '10' },
    slots: { type: 'string', default: '2' },
    turns: { type: 'string', default: '3' },
    'burst-runs': { type: 'string', default: '2' },
    only: { type: 'string', default: 'queue,burst,latency' },
  },
});
const TASKS = Number(args.tasks);
const TASK_MS = Number(args['task-ms']);
const MODEL_MS = Number(args['model-ms']);
const RUNS = Number(args.runs);
const SLOTS = Number(args.slots);
const TURNS = Number(args.turns);
const BURST_RUNS = Number(args['burst-runs']);
const ONLY = new Set(args.only.split(','));
const LIMITS: QueueLimits = { maxConcurrent: 1000, queueMax: 1_000_000, tenantCaps: {}, leaseMs: 30_000, affinityMs: 0 };

function openConnection(url: string, prefix: string): Promise<RedisConnection> {
  return RedisConnection.open({ url, host: '', port: 0, prefix }, createLogger({ level: 'ERROR', sink: () => undefined }));
}

async function queueBurst(redis: BenchRedis, workers: number): Promise<number> {
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const procs = await Promise.all(Array.from({ length: workers }, (_, i) => startQueueWorker(redis.url, prefix, `w${i}`, SLOTS, TASK_MS)));
  const conn = await openConnection(redis.url, prefix);
  const queue = new RedisTaskQueue(conn, LIMITS);
  try {
    const started = performance.now();
    for (let i = 0; i < TASKS; i++) await queue.enqueue({ taskId: `b${i}`, sessionId: `s${i}`, tenantId: `t${i % 3}` }, await queue.reserve(`t${i % 3}`));
    await waitUntil(async () => {
      const outcomes = await conn.command<number>([
        'EVAL',
        `local n = 0 for i = 0, ${TASKS - 1} do n = n + redis.call('EXISTS', '{${prefix}:t:b' .. i .. '}:outcome') end return n`,
        '0',
      ]);
      return outcomes === TASKS;
    }, 120_000);
    return performance.now() - started;
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await queue.close();
    await conn.close();
  }
}

/** The queue's own cost per task, with no work in between: reserve, enqueue, claim, finish. */
async function queueOverhead(queue: TaskQueue, n: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    await queue.enqueue({ taskId: `o${i}`, sessionId: `s${i}`, tenantId: 't' }, await queue.reserve('t'));
    const claimed = (await queue.claim('bench'))!;
    await queue.finish(claimed, false);
  }
  return ((performance.now() - started) / n) * 1000;
}

async function queueSection(redis: BenchRedis): Promise<Record<string, unknown>> {
  const burst: Record<string, number[]> = { '1': [], '2': [], '3': [] };
  for (let run = 0; run < Math.max(1, Math.floor(RUNS / 2)); run++) {
    for (const n of [1, 2, 3]) burst[String(n)]!.push(await queueBurst(redis, n));
  }
  const ms = Object.fromEntries(Object.entries(burst).map(([k, v]) => [k, Math.round(median(v))]));
  const conn = await openConnection(redis.url, `bench-o-${randomBytes(4).toString('hex')}`);
  const redisQueue = new RedisTaskQueue(conn, LIMITS);
  const overhead = {
    in_process_us: Math.round(await queueOverhead(new InProcessTaskQueue(LIMITS), 2000)),
    redis_us: Math.round(await queueOverhead(redisQueue, 2000)),
  };
  await redisQueue.close();
  await conn.close();
  return {
    burst: {
      tasks: TASKS,
      task_ms: TASK_MS,
      slots_per_instance: SLOTS,
      drain_ms_median: ms,
      speedup_2: +(ms['1']! / ms['2']!).toFixed(2),
      speedup_3: +(ms['1']! / ms['3']!).toFixed(2),
    },
    per_task_overhead: overhead,
  };
}

/**
 * Task `i` of a burst: TURNS model calls (TURNS - 1 tool calls, a Glob, then the answer). Model
 * latency varies as real calls' does, between 0.5 and 1.5 times MODEL_MS (mean MODEL_MS), from a
 * fixed sequence, so every instance count runs exactly the same tasks.
 */
function burstTask(i: number): { prompt: string; modelMs: number } {
  const delays = Array.from({ length: TURNS }, (_, k) => Math.round(MODEL_MS * (0.5 + (((i * TURNS + k) * 0.618034) % 1))));
  const tool = { name: 'Glob', input: { pattern: '*' } };
  const steps = delays.map((delay_ms, k) => (k < TURNS - 1 ? { delay_ms, tool } : { delay_ms, text: 'done' }));
  return { prompt: `[[script:${JSON.stringify({ steps })}]]`, modelMs: delays.reduce((a, b) => a + b, 0) };
}

/** Time for `n` daemons on one Redis to finish TASKS new-session tasks, spread round-robin. */
async function daemonBurst(modelUrl: string, redis: BenchRedis, n: number): Promise<number> {
  const prefix = `bench-d-${randomBytes(4).toString('hex')}`;
  const env = { STORAGE_TYPE: 'redis', STORAGE_REDIS_URL: redis.url, STORAGE_REDIS_PREFIX: prefix, SESSION_MAX_CONCURRENT: String(SLOTS) };
  const daemons: BenchDaemon[] = [];
  try {
    for (let i = 0; i < n; i++) daemons.push(await startBenchDaemon(modelUrl, env, prefix));
    const started = performance.now();
    const ids = await Promise.all(Array.from({ length: TASKS }, (_, i) => daemons[i % n]!.submit(burstTask(i).prompt)));
    const statuses = await Promise.all(ids.map((id, i) => daemons[i % n]!.waitDone(id)));
    const elapsed = performance.now() - started;
    const failed = statuses.filter((s) => s !== 'completed');
    // A burst that finished by failing fast measures nothing.
    if (failed.length > 0) throw new Error(`${failed.length} of ${TASKS} tasks on ${n} instance(s) did not complete: ${failed.join(', ')}`);
    return elapsed;
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
  }
}

async function burstSection(modelUrl: string, redis: BenchRedis): Promise<Record<string, unknown>> {
  const samples: Record<string, number[]> = { '1': [], '2': [], '3': [] };
  const runs = BURST_RUNS;
  // Interleaved, so a change in the machine's load hits every instance count alike.
  for (let run = 0; run < runs; run++) for (const n of [1, 2, 3]) samples[String(n)]!.push(await daemonBurst(modelUrl, redis, n));
  const ms = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, Math.round(median(v))]));
  const modelMsTotal = Array.from({ length: TASKS }, (_, i) => burstTask(i).modelMs).reduce((a, b) => a + b, 0);
  return {
    tasks: TASKS,
    model_calls_per_task: TURNS,
    model_ms_mean: MODEL_MS,
    slots_per_instance: SLOTS,
    runs,
    finish_ms_median: ms,
    finish_ms_samples: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, v.map(Math.round)])),
    // The model time alone, spread perfectly over every slot: no run can beat it.
    model_bound_ms: Object.fromEntries([1, 2, 3].map((n) => [String(n), Math.round(modelMsTotal / (n * SLOTS))])),
    speedup_2: +(ms['1']! / ms['2']!).toFixed(2),
    speedup_3: +(ms['1']! / ms['3']!).toFixed(2),
  };
}

const SETTLE_MS = 1500;

/** One instance, one task at a time: the same task on SQLite and on Redis, interleaved, each started on an idle machine. */
async function latencySection(modelUrl: string, redis: BenchRedis): Promise<Record<string, unknown>> {
  const sqlite = await startBenchDaemon(modelUrl, { STORAGE_TYPE: 'sqlite' }, 'sqlite');
  const onRedis = await startBenchDaemon(
    modelUrl,
    { STORAGE_TYPE: 'redis', STORAGE_REDIS_URL: redis.url, STORAGE_REDIS_PREFIX: `bench-l-${randomBytes(4).toString('hex')}` },
    'redis',
  );
  try {
    const samples: Record<'sqlite' | 'redis', number[]> = { sqlite: [], redis: [] };
    for (let run = 0; run < RUNS; run++) {
      for (const [name, d] of [
        ['sqlite', sqlite],
        ['redis', onRedis],
      ] as const) {
        // Each daemon replaces the spare its last task took; a task measured while the other
        // daemon's replacement still starts would measure the contention for the CPU instead.
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        const started = performance.now();
        const status = await d.waitDone(await d.submit('[[script:write-file]]'), 10);
        if (status !== 'completed') throw new Error(`latency task on ${name} ended ${status}`);
        samples[name].push(performance.now() - started);
      }
    }
    const sqliteMs = Math.round(median(samples.sqlite));
    const redisMs = Math.round(median(samples.redis));
    return { task: '[[script:write-file]]', runs: RUNS, sqlite_ms: sqliteMs, redis_ms: redisMs, redis_over_sqlite: +(redisMs / sqliteMs).toFixed(3) };
  } finally {
    await Promise.all([sqlite.stop(), onRedis.stop()]);
  }
}

async function daemonSection(redis: BenchRedis): Promise<Record<string, unknown>> {
  const model = await startScriptedModel();
  try {
    return {
      ...(ONLY.has('burst') ? { burst: await burstSection(model.url, redis) } : {}),
      ...(ONLY.has('latency') ? { single_instance_latency: await latencySection(model.url, redis) } : {}),
    };
  } finally {
    await model.close();
  }
}

async function main(): Promise<void> {
  const redis = await startBenchRedis();
  try {
    const queue = ONLY.has('queue') ? await queueSection(redis) : undefined;
    const daemons = await daemonSection(redis);
    const machine = {
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model.split(' ').slice(0, 2).join(' '),
      memory_gb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    };
    process.stdout.write(`${JSON.stringify({ date: new Date().toISOString(), machine, queue, daemons }, null, 2)}\n`);
  } finally {
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
