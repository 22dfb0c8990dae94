import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Processes the scale benchmark starts: redis-server, queue workers, daemons (compiled dist). */
const DIST_SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
}

export async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function randomPort(): number {
  return 30000 + Math.floor(Math.random() * 25000);
}

async function waitForOutput(child: ChildProcess, text: string, timeoutMs: number): Promise<() => string> {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitUntil(async () => {
    if (child.exitCode !== null) throw new Error(`process exited: ${out}`);
    return out.includes(text);
  }, timeoutMs);
  return () => out;
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

export interface BenchRedis {
  url: string;
  stop(): Promise<void>;
}

export async function startBenchRedis(): Promise<BenchRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-bench-redis-'));
  const port = randomPort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  await waitForOutput(child, 'Ready to accept connections', 10_000);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startQueueWorker(url: string, prefix: string, id: string, slots: number, taskMs: number): Promise<{ stop(): Promise<void> }> {
  const child = spawn(process.execPath, [path.join(DIST_SRC, 'dev/queue-worker.js')], {
    env: { PATH: process.env.PATH, REDIS_URL: url, QUEUE_PREFIX: prefix, INSTANCE_ID: id, SLOTS: String(slots), TASK_MS: String(taskMs), LEASE_MS: '30000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitForOutput(child, `READY ${id}`, 20_000);
  return { stop: () => stopChild(child) };
}

export interface BenchDaemon {
  submit(prompt: string): Promise<string>;
  /** Resolves with the task's terminal status, polling every `pollMs`. */
  waitDone(taskId: string, pollMs?: number): Promise<string>;
  get(taskId: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** A compiled daemon as `npm start` runs it, in a temporary directory, on a random port. */
export async function startBenchDaemon(modelUrl: string, env: Record<string, string>, shared: string): Promise<BenchDaemon> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-bench-daemon-'));
  const port = randomPort();
  const child = spawn(process.execPath, [path.join(DIST_SRC, 'main.js')], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      SERVER_HOST: '127.0.0.1',
      SERVER_PORT: String(port),
      METRICS_PORT: '0',
      CLAUDE_API_KEY: 'bench-key-0123456789',
      CLAUDE_BASE_URL: modelUrl,
      API_RATE_LIMIT_ENABLED: 'false',
      SERVER_LOG_LEVEL: 'WARN',
      // Instances of one service share the workspace root, as they would share a volume.
      WORKSPACE_ROOT: path.join(tmpdir(), `ccs-bench-ws-${shared}`),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Read its output, or the pipe fills and the daemon's writes (and exit) wait on us; keep the tail for errors.
  let tail = '';
  const keep = (d: Buffer): void => void (tail = (tail + d.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  await waitUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`daemon exited: ${tail}`);
      return fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      );
    },
    30_000,
    100,
  );
  const base = `http://127.0.0.1:${port}/api/v1/tasks`;
  return {
    submit: async (prompt) => {
      const res = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt }) });
      const body = (await res.json()) as { task_id?: string };
      if (!body.task_id) throw new Error(`submit refused: ${res.status} ${JSON.stringify(body)}`);
      return body.task_id;
    },
    get: async (taskId) => (await (await fetch(`${base}/${taskId}`)).json()) as Record<string, unknown>,
    waitDone: async (taskId, pollMs = 50) => {
      let status = '';
      await waitUntil(
        async () => {
          const body = (await (await fetch(`${base}/${taskId}`)).json()) as { status?: string };
          status = body.status ?? '';
          return ['completed', 'failed', 'interrupted', 'timed_out'].includes(status);
        },
        300_000,
        pollMs,
      );
      return status;
    },
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
