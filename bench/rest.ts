/**
 * REST benchmark: requests per second of `GET /api/v1/tasks/{id}` on the real server against a
 * bare node:http server answering the identical bytes, each in a child process of its own, loaded
 * by autocannon from this process in interleaved rounds. Prints one JSON document.
 *
 *   npm run -s bench:rest                 (builds first)
 *   node dist/bench/rest.js [--rounds 10] [--duration 4] [--connections 32]
 *                           [--rate-limit] [--cpu-prof DIR]
 *
 * The server runs as in production except: no spare Claude Code process (WARM_POOL_SIZE=0) and,
 * by default, no rate limiter (a load test would be refused after 100 requests). `--rate-limit`
 * turns the limiter on with a budget no run reaches, so its per-request cost is measured too.
 * Access logging (INFO, one "Request handled" line per request, to a file) and metrics are on.
 * `--cpu-prof DIR` runs both servers under `node --cpu-prof`, profiles in DIR/daemon and DIR/bare.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { TargetCommand, TargetReady, TargetUsage } from './rest-target.js';

const TARGET_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rest-target.js');

interface Target {
  name: 'daemon' | 'bare';
  child: ChildProcess;
  url: string;
}

async function startTarget(name: Target['name'], options: { args: string[]; execArgv: string[]; stdout: number | 'ignore'; body?: string }): Promise<Target> {
  const child = fork(TARGET_SCRIPT, [name, ...options.args], { execArgv: options.execArgv, stdio: ['ignore', options.stdout, 'inherit', 'ipc'] });
  const ready = await new Promise<TargetReady>((resolve, reject) => {
    child.once('message', (message) => resolve(message as TargetReady));
    child.once('exit', (code) => reject(new Error(`${name} target exited (${code}) before it was ready`)));
    if (options.body !== undefined) child.send({ body: options.body } satisfies TargetCommand);
  });
  return { name, child, url: `http://127.0.0.1:${ready.port}${ready.path}` };
}

function stopTarget(target: Target): Promise<void> {
  return new Promise((resolve) => {
    if (target.child.exitCode !== null || target.child.signalCode !== null) return resolve();
    const timer = setTimeout(() => target.child.kill('SIGKILL'), 10_000);
    target.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    target.child.send({ stop: true } satisfies TargetCommand);
  });
}

/** CPU time the target process has used so far (µs): per request, it does not depend on the machine's load. */
function cpuUsage(target: Target): Promise<number> {
  return new Promise((resolve) => {
    target.child.once('message', (message) => resolve((message as TargetUsage).cpu_us));
    target.child.send({ usage: true } satisfies TargetCommand);
  });
}

interface Round {
  requests_per_s: number;
  cpu_us_per_request: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
}

async function load(target: Target, connections: number, duration: number): Promise<Round> {
  const url = target.url;
  const cpuBefore = await cpuUsage(target);
  const result = await autocannon({ url, connections, duration });
  const cpuUsed = (await cpuUsage(target)) - cpuBefore;
  const failures = result.errors + result.timeouts + result.non2xx;
  if (failures > 0) throw new Error(`${url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers`);
  return {
    requests_per_s: result.requests.average,
    cpu_us_per_request: cpuUsed / Math.max(1, result.requests.total),
    latency_p50_ms: result.latency.p50,
    latency_p99_ms: result.latency.p99,
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const round2 = (n: number): number => Math.round(n * 100) / 100;

export interface RestBenchOptions {
  rounds: number;
  duration: number;
  connections: number;
  rateLimit: boolean;
  cpuProfDir?: string;
}

/** Runs the comparison and returns the JSON-ready summary (also used by bench/latency.ts). */
export async function runRestBench(options: RestBenchOptions) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-bench-rest-logs-'));
  const logFile = path.join(dir, 'server.log');
  const logFd = openSync(logFile, 'w');
  const profile = (name: Target['name']): string[] => (options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(options.cpuProfDir, name)}`] : []);
  const loadBefore = loadavg();
  const daemon = await startTarget('daemon', { args: options.rateLimit ? ['--rate-limit'] : [], execArgv: profile('daemon'), stdout: logFd });
  let bare: Target | undefined;
  try {
    const answer = await fetch(daemon.url);
    const body = await answer.text();
    if (answer.status !== 200) throw new Error(`daemon answered ${answer.status}: ${body}`);
    bare = await startTarget('bare', { args: [], execArgv: profile('bare'), stdout: 'ignore', body });

    const rounds: Record<Target['name'], Round[]> = { daemon: [], bare: [] };
    // Warm-up (JIT, connection pools), not counted.
    for (const target of [daemon, bare]) await load(target, options.connections, 2);
    for (let i = 0; i < options.rounds; i++) {
      // Alternate which side goes first, so a drift in machine load hits both alike.
      const order = i % 2 === 0 ? [daemon, bare] : [bare, daemon];
      for (const target of order) rounds[target.name].push(await load(target, options.connections, options.duration));
    }
    const summary = (name: Target['name']) => ({
      requests_per_s_median: Math.round(median(rounds[name].map((r) => r.requests_per_s))),
      cpu_us_per_request_median: round2(median(rounds[name].map((r) => r.cpu_us_per_request))),
      latency_p50_ms_median: median(rounds[name].map((r) => r.latency_p50_ms)),
      latency_p99_ms_median: median(rounds[name].map((r) => r.latency_p99_ms)),
      requests_per_s_rounds: rounds[name].map((r) => Math.round(r.requests_per_s)),
    });
    const daemonSummary = summary('daemon');
    const bareSummary = summary('bare');
    await Promise.all([stopTarget(daemon), stopTarget(bare)]);
    closeSync(logFd);
    const logLines = readFileSync(logFile, 'utf8').split('\n');
    return {
      benchmark: 'rest',
      route: 'GET /api/v1/tasks/{task_id}',
      body_bytes: Buffer.byteLength(body),
      connections: options.connections,
      duration_s: options.duration,
      rounds: options.rounds,
      rate_limit: options.rateLimit ? 'on, budget 1e9/min' : 'off',
      daemon: daemonSummary,
      bare_node_http: bareSummary,
      ratio_daemon_to_bare: round2(daemonSummary.requests_per_s_median / bareSummary.requests_per_s_median),
      target_ratio: 0.6,
      // CPU time per request, bare / daemon: what the ratio would be with a core each and nothing else running.
      cpu_ratio_bare_to_daemon: round2(bareSummary.cpu_us_per_request_median / daemonSummary.cpu_us_per_request_median),
      // Proof that access logging was on: one line per answered request.
      request_log_lines: logLines.filter((line) => line.includes('"Request handled"')).length,
      load_average_before: loadBefore.map(round2),
      load_average_after: loadavg().map(round2),
    };
  } finally {
    await Promise.all([stopTarget(daemon), bare ? stopTarget(bare) : Promise.resolve()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '10' },
      duration: { type: 'string', default: '4' },
      connections: { type: 'string', default: '32' },
      'rate-limit': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
    },
  });
  const result = await runRestBench({
    rounds: Number(values.rounds),
    duration: Number(values.duration),
    connections: Number(values.connections),
    rateLimit: values['rate-limit'],
    ...(values['cpu-prof'] ? { cpuProfDir: path.resolve(values['cpu-prof']) } : {}),
  });
  const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version };
  const { benchmark, ...rest } = result;
  process.stdout.write(`${JSON.stringify({ benchmark, date: new Date().toISOString(), machine, ...rest }, null, 2)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
