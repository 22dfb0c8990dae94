/**
 * Schedule soak: a `*\/1 * * * *` schedule on three daemon instances (dist/src/main.js) sharing one
 * redis-server, while instances are killed (-9, and now and then SIGTERM) and restarted. At the
 * end it counts the schedule's runs per minute (each must be exactly 1) and checks that no task
 * of the schedule exists beyond its runs. Prints JSON; exits 1 if a minute fired 0 or 2+ times.
 * Not part of `npm test` (it takes the minutes it is asked for, plus one).
 *
 *   npm run -s soak:schedules            (builds first)
 *   node dist/bench/schedule-soak.js [--minutes 5] [--chaos-every 40]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startScriptedModel } from '../src/dev/scripted-model/index.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '5' }, 'chaos-every': { type: 'string', default: '40' } } });
const MINUTES = Number(values.minutes);
const CHAOS_EVERY_MS = Number(values['chaos-every']) * 1000;
const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/main.js');
const SCHEDULE = 'soak-every-minute';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Instance {
  name: string;
  port: number;
  child: ChildProcess;
  out: string;
  exited: Promise<void>;
}

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error('timed out');
}

async function api<T>(instance: Instance, method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`http://127.0.0.1:${instance.port}${p}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-schedule-soak-'));
  const model = await startScriptedModel();
  const redisPort = await freePort();
  const redis = spawn(
    process.env.REDIS_SERVER_BIN ?? 'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const instances = new Map<string, Instance>();
  const events: { at: string; event: string; instance: string }[] = [];
  const note = (event: string, instance: string) => events.push({ at: new Date().toISOString(), event, instance });

  const start = async (name: string): Promise<Instance> => {
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      cwd: mkdtempSync(path.join(dir, `${name}-`)),
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        CLAUDE_API_KEY: 'soak-key-0123456789',
        CLAUDE_BASE_URL: model.url,
        STORAGE_TYPE: 'redis',
        STORAGE_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        STORAGE_REDIS_PREFIX: 'schedule-soak',
        WORKSPACE_ROOT: path.join(dir, 'workspaces'),
        INSTANCE_ID: name,
        SERVER_HOST: '127.0.0.1',
        SERVER_PORT: String(port),
        METRICS_PORT: '0',
        WARM_POOL_SIZE: '0',
        API_RATE_LIMIT_ENABLED: 'false',
        SHUTDOWN_GRACE_SECONDS: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const instance: Instance = { name, port, child, out: '', exited: new Promise((resolve) => child.once('exit', () => resolve())) };
    child.stdout!.on('data', (d: Buffer) => (instance.out += d.toString()));
    child.stderr!.resume();
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, 60_000);
    instances.set(name, instance);
    note('started', name);
    return instance;
  };
  const stop = async (instance: Instance, signal: NodeJS.Signals) => {
    instances.delete(instance.name);
    instance.child.kill(signal);
    await instance.exited;
    note(signal === 'SIGKILL' ? 'killed' : 'stopped', instance.name);
  };
  const leader = () => [...instances.values()].find((i) => i.out.lastIndexOf('Leading schedule firing') > i.out.lastIndexOf('Stopped leading'));

  let generation = 0;
  const ok = { value: false };
  try {
    for (const n of [1, 2, 3]) await start(`soak-${n}-${generation}`);
    const first = [...instances.values()][0]!;
    const created = await api<Record<string, unknown>>(first, 'POST', '/api/v1/schedules', {
      schedule_id: SCHEDULE,
      cron: '*/1 * * * *',
      task: { prompt: 'say hello' },
      overlap: 'queue',
    });
    if (created.status !== 201) throw new Error(`create answered ${created.status}: ${JSON.stringify(created.body)}`);
    const firstTick = Date.parse(String(created.body.next_fire_at));
    const lastTick = firstTick + (MINUTES - 1) * 60_000;

    // Chaos until the last tick has passed: kill the leader (or another), restart it a little later.
    let round = 0;
    while (Date.now() < lastTick + 5_000) {
      await sleep(CHAOS_EVERY_MS);
      if (Date.now() > lastTick + 5_000) break;
      round++;
      const victim = (round % 3 === 0 ? [...instances.values()][0] : leader()) ?? [...instances.values()][0]!;
      await stop(victim, round % 4 === 0 ? 'SIGTERM' : 'SIGKILL');
      await sleep(5_000);
      generation++;
      await start(`soak-${victim.name.split('-')[1]}-${generation}`);
    }
    // Give the last tick's firing (possibly by a new leader) time to land.
    await sleep(20_000);

    const reader = [...instances.values()][0]!;
    const runs = (await api<{ runs: { task_id: string; fired_at: string }[] }>(reader, 'GET', `/api/v1/schedules/${SCHEDULE}/runs?limit=1000`)).body.runs;
    const tasks = (await api<{ tasks: { task_id: string; schedule_id: string | null }[] }>(reader, 'GET', '/api/v1/tasks?limit=500')).body.tasks.filter(
      (t) => t.schedule_id === SCHEDULE,
    );
    const perMinute: { minute: string; fires: number }[] = [];
    for (let t = firstTick; t <= lastTick; t += 60_000) {
      perMinute.push({ minute: new Date(t).toISOString(), fires: runs.filter((r) => Date.parse(r.fired_at) === t).length });
    }
    const extraRuns = runs.filter(
      (r) => Date.parse(r.fired_at) < firstTick || Date.parse(r.fired_at) > lastTick + 60_000 || Date.parse(r.fired_at) % 60_000 !== 0,
    );
    ok.value = perMinute.every((m) => m.fires === 1) && extraRuns.length === 0 && tasks.length === runs.length;
    console.log(
      JSON.stringify(
        {
          ok: ok.value,
          minutes: MINUTES,
          fires_per_minute: perMinute,
          runs: runs.length,
          tasks_with_schedule_id: tasks.length,
          unexpected_runs: extraRuns,
          chaos: events,
        },
        null,
        2,
      ),
    );
  } finally {
    for (const instance of [...instances.values()]) await stop(instance, 'SIGKILL');
    redis.kill('SIGKILL');
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(ok.value ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
