/**
 * One side of the REST benchmark, run as a child process of bench/rest.ts (over an IPC channel):
 *
 *   daemon  the real server: composeServer + buildApp, a SQLite store in a temp dir, the
 *           production logger (writing to this process's stdout, which the parent points at a
 *           file) and metrics on; one finished task is stored and its URL reported.
 *   bare    a node:http server answering every request with the bytes it is given.
 *
 * Each replies `{ ready: true, port, ... }`, answers `{ usage: true }` with its CPU time, and exits cleanly on `{ stop: true }` (so that
 * `node --cpu-prof` writes its profile).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/http/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/observability/logger.js';
import { startMetricsServer } from '../src/observability/metrics-server.js';
import { serverRedactor } from '../src/observability/redact.js';
import { composeServer } from '../src/server/compose.js';
import type { Task } from '../src/tasks/task-types.js';

export interface TargetReady {
  ready: true;
  port: number;
  /** The URL path to load (the daemon's stored task). */
  path: string;
}

export type TargetCommand = { stop: true } | { body: string } | { usage: true };

/** The answer to `{ usage: true }`: the process's CPU time so far, in microseconds. */
export interface TargetUsage {
  cpu_us: number;
}

const TASK_ID = 'task-bench-0001';

/** A finished task with every nested field filled in, as a client polling for results sees it. */
function benchTask(workspace: string): Task {
  const at = new Date().toISOString();
  return {
    task_id: TASK_ID,
    tenant_id: 'default',
    session_id: 'session-bench-0001',
    prompt: 'Implement user authentication with tests',
    workspace,
    options: { allowed_tools: ['Read', 'Write', 'Edit', 'Bash'], permission_mode: 'acceptEdits', max_turns: 50, timeout: 3600, model: null },
    status: 'completed',
    created_at: at,
    started_at: at,
    completed_at: at,
    result: 'Done: added login and signup endpoints, password hashing, and their tests (12 passing).',
    usage: { input_tokens: 10_234, output_tokens: 1_530 },
    num_turns: 7,
    cost_usd: 0.0834,
    duration_ms: 45_000,
    error: null,
    request_hash: 'f'.repeat(64),
    webhook: { url: 'https://ci.example.com/hooks/claude', events: ['completed', 'failed'] },
    changed_files: [
      { path: 'src/auth/login.ts', change: 'created', additions: 84, deletions: 0, binary: false },
      { path: 'src/auth/signup.ts', change: 'created', additions: 61, deletions: 0, binary: false },
      { path: 'src/server.ts', change: 'modified', additions: 6, deletions: 1, binary: false },
    ],
  };
}

async function startDaemon(rateLimit: boolean): Promise<{ ready: TargetReady; stop(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ccs-bench-rest-'));
  const env: Record<string, string> = {
    CLAUDE_API_KEY: 'bench-key-0123456789',
    // No task runs here: only stored tasks are read, so the model is never called.
    CLAUDE_BASE_URL: 'http://127.0.0.1:9',
    WORKSPACE_ROOT: path.join(dir, 'workspaces'),
    DATA_DIR: path.join(dir, 'data'),
    SERVER_HOST: '127.0.0.1',
    SERVER_PORT: '0',
    METRICS_PORT: '0',
    STORAGE_TYPE: 'sqlite',
    // No spare Claude Code process: it would only take CPU from the server being measured.
    WARM_POOL_SIZE: '0',
    // On with a budget no load test reaches (the limiter's hook runs), or off: see bench/RESULTS.md.
    API_RATE_LIMIT_ENABLED: String(rateLimit),
    API_RATE_LIMIT_PER_MINUTE: '1000000000',
    PATH: process.env.PATH ?? '/usr/bin:/bin',
  };
  const config = loadConfig(env, dir);
  // As main.ts does it: the default destination (stdout) and the default level (INFO).
  const logger = createLogger({ level: config.server.logLevel, redact: serverRedactor([config.claude.apiKey, config.api.apiKey], env) });
  const server = await composeServer(config, logger, { serverEnv: env });
  await server.start();
  await server.storage.store.insertTask(benchTask(path.join(config.workspaceRoot, 'bench')));
  const { app } = await buildApp(server.services);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const metricsServer = await startMetricsServer({ metrics: server.observability.metrics, host: '127.0.0.1', port: 0, logger: logger.child('metrics') });
  return {
    ready: { ready: true, port: (app.server.address() as AddressInfo).port, path: `/api/v1/tasks/${TASK_ID}` },
    stop: async () => {
      await app.close();
      await metricsServer.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function startBare(body: string): Promise<{ ready: TargetReady; stop(): Promise<void> }> {
  const bytes = Buffer.from(body);
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.length });
    response.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    ready: { ready: true, port: (server.address() as AddressInfo).port, path: '/' },
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(message: unknown): void {
  process.send?.(message);
}

async function run(): Promise<void> {
  const kind = process.argv[2];
  let stop: (() => Promise<void>) | undefined;
  process.on('message', (message: TargetCommand) => {
    if ('body' in message && kind === 'bare' && stop === undefined) {
      void startBare(message.body).then((target) => {
        stop = target.stop;
        send(target.ready);
      });
    }
    if ('usage' in message) {
      const { user, system } = process.cpuUsage();
      send({ cpu_us: user + system } satisfies TargetUsage);
    }
    if ('stop' in message) {
      void (stop ?? (async () => undefined))().then(() => {
        process.disconnect?.();
        process.exitCode = 0;
      });
    }
  });
  if (kind === 'daemon') {
    const target = await startDaemon(process.argv.includes('--rate-limit'));
    stop = target.stop;
    send(target.ready);
  } else if (kind !== 'bare') {
    throw new Error(`unknown target ${kind ?? '(none)'}: daemon or bare`);
  }
}

run().catch((error: unknown) => {
  process.stderr.write(`rest-target failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
