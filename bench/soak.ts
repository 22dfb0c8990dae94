/**
 * Soak: many tasks through a real daemon process (dist/src/main.js) and the real CLI against the
 * scripted model, watching for leaks. Every `--every` finished tasks it samples the daemon's
 * resident memory, heap and open file descriptors (from its Prometheus endpoint), and the agent
 * processes alive (from /health and from `ps`). Prints JSON; `growth` compares the end of the run
 * with the samples right after warm-up.
 *
 *   npm run -s soak            (builds first)
 *   node dist/bench/soak.js [--tasks 300] [--concurrency 4] [--every 25] [--warmup 50]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { startScriptedModel } from '../src/dev/scripted-model/index.js';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '4' },
    every: { type: 'string', default: '25' },
    warmup: { type: 'string', default: '50' },
  },
});
const TASKS = Number(values.tasks);
const CONCURRENCY = Number(values.concurrency);
const EVERY = Number(values.every);
const WARMUP = Number(values.warmup);
const REUSED_SESSIONS = 6;
const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/main.js');

interface Sample {
  tasks_done: number;
  rss_bytes: number;
  heap_used_bytes: number;
  open_fds: number;
  agent_processes: { busy: number; idle: number; spare: number };
  agent_processes_ps: number;
  elapsed_s: number;
}

function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
}

/** Live CLI processes whose parent is the daemon (setpriv execs into the CLI, so it is a direct child). */
function agentProcessCount(daemonPid: number): number {
  try {
    return execFileSync('ps', ['-o', 'stat=,args=', '--ppid', String(daemonPid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.trim().startsWith('Z') && line.includes('/claude')).length;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-soak-'));
  const model = await startScriptedModel();
  const port = 20000 + Math.floor(Math.random() * 20000);
  const daemon = spawn(process.execPath, [MAIN], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      CLAUDE_API_KEY: 'soak-key',
      CLAUDE_BASE_URL: model.url,
      WORKSPACE_ROOT: path.join(dir, 'workspaces'),
      DATA_DIR: path.join(dir, 'data'),
      SERVER_HOST: '127.0.0.1',
      SERVER_PORT: String(port),
      METRICS_PORT: '0',
      SERVER_LOG_LEVEL: 'INFO',
      API_RATE_LIMIT_ENABLED: 'false',
      SESSION_MAX_CONCURRENT: String(CONCURRENCY),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  daemon.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
  daemon.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  const base = `http://127.0.0.1:${port}`;
  let metricsUrl = '';
  for (const deadline = Date.now() + 30_000; !metricsUrl; await new Promise((r) => setTimeout(r, 100))) {
    if (daemon.exitCode !== null || Date.now() > deadline) throw new Error(`daemon did not start: ${out}`);
    const started = out.split('\n').find((l) => l.includes('"Server started"'));
    if (started) metricsUrl = `http://127.0.0.1:${(JSON.parse(started) as { metrics_port: number }).metrics_port}/metrics`;
  }

  const t0 = performance.now();
  const samples: Sample[] = [];
  const outcomes: Record<string, number> = {};
  const sample = async (done: number): Promise<void> => {
    const metrics = await (await fetch(metricsUrl)).text();
    const health = (await (await fetch(`${base}/health`)).json()) as { agent_processes: { busy: number; idle: number; spare: number } };
    const { busy, idle, spare } = health.agent_processes;
    samples.push({
      tasks_done: done,
      rss_bytes: metricValue(metrics, 'process_resident_memory_bytes'),
      heap_used_bytes: metricValue(metrics, 'nodejs_heap_size_used_bytes'),
      open_fds: metricValue(metrics, 'process_open_fds'),
      agent_processes: { busy, idle, spare },
      agent_processes_ps: agentProcessCount(daemon.pid!),
      elapsed_s: Math.round((performance.now() - t0) / 100) / 10,
    });
  };

  let next = 0;
  let done = 0;
  const sessionCreated = new Map<string, Promise<void>>();
  const runOne = async (n: number): Promise<void> => {
    const taskId = `soak-${n}`;
    // A third continue one of a few long-lived sessions (live-process reuse); the rest open new ones.
    const body: Record<string, unknown> = { task_id: taskId, prompt: '[[script:write-file]] write the hello file' };
    let created: (() => void) | undefined;
    if (n % 3 === 0) {
      const sessionId = `soak-session-${(n / 3) % REUSED_SESSIONS}`;
      const creation = sessionCreated.get(sessionId);
      if (creation) await creation;
      else sessionCreated.set(sessionId, new Promise<void>((resolve) => (created = resolve)));
      body.session = creation ? { session_id: sessionId, reuse_existing: true } : { session_id: sessionId };
    }
    const response = await fetch(`${base}/api/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    created?.();
    if (response.status !== 201) {
      outcomes[`submit_${response.status}`] = (outcomes[`submit_${response.status}`] ?? 0) + 1;
      return;
    }
    const status = await new Promise<string>((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/tasks/${taskId}`);
      socket.on('message', (data) => {
        const event = JSON.parse(String(data)) as { type: string; data: { status?: string } };
        if (event.type === 'complete') resolve(event.data.status ?? 'unknown');
      });
      socket.on('close', () => resolve('stream_closed_without_complete'));
      socket.on('error', () => resolve('stream_error'));
    });
    outcomes[status] = (outcomes[status] ?? 0) + 1;
  };
  const worker = async (): Promise<void> => {
    while (next < TASKS) {
      const n = next++;
      // A reused session runs one task at a time; its turn may wait behind another worker's.
      await runOne(n);
      done++;
      if (done % EVERY === 0) await sample(done);
    }
  };
  await sample(0);
  await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));

  const afterWarmup = samples.filter((s) => s.tasks_done >= WARMUP);
  const first = afterWarmup.slice(0, 2);
  const last = afterWarmup.slice(-2);
  const mean = (list: Sample[], pick: (s: Sample) => number): number => list.reduce((sum, s) => sum + pick(s), 0) / list.length;
  const growth = (pick: (s: Sample) => number): number => Math.round((mean(last, pick) / mean(first, pick) - 1) * 1000) / 10;
  const result = {
    benchmark: 'soak',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version },
    tasks: TASKS,
    concurrency: CONCURRENCY,
    outcomes,
    duration_s: Math.round((performance.now() - t0) / 1000),
    growth_after_warmup_percent: {
      rss: growth((s) => s.rss_bytes),
      heap_used: growth((s) => s.heap_used_bytes),
      open_fds: growth((s) => s.open_fds),
      agent_processes_max: Math.max(...samples.map((s) => s.agent_processes_ps)),
    },
    samples,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);

  daemon.kill('SIGTERM');
  await new Promise((resolve) => daemon.once('exit', resolve));
  await model.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
