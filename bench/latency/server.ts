/** The server side of the latency benchmark: a daemon in this process, a task through its REST API and WebSocket, its live sessions' memory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { buildApp } from '../../src/http/app.js';
import { loadConfig } from '../../src/config.js';
import type { ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { composeServer, type ComposedServer } from '../../src/server/compose.js';
import { GIB, round1 } from './stats.js';
import { PROMPT, type Sample, type TaskOptions } from './task-options.js';

export interface BenchServer {
  url: string;
  ws: string;
  /** Its WORKSPACE_ROOT. */
  workspaceRoot: string;
  composed: ComposedServer;
  close(): Promise<void>;
}

export async function startServer(model: ScriptedModel, env: Record<string, string>): Promise<BenchServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-bench-'));
  const config = loadConfig(
    {
      CLAUDE_API_KEY: 'bench-key',
      CLAUDE_BASE_URL: model.url,
      WORKSPACE_ROOT: path.join(dir, 'workspaces'),
      DATA_DIR: path.join(dir, 'data'),
      API_RATE_LIMIT_ENABLED: 'false',
      ...env,
    },
    dir,
  );
  // The server's real environment, as in production: the agent env allowlist picks from it.
  const server = await composeServer(config, silentLogger, { serverEnv: process.env });
  await server.start();
  const { app } = await buildApp(server.services);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    workspaceRoot: config.workspaceRoot,
    composed: server,
    close: async () => {
      await app.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

let taskCounter = 0;

/** The number in the id of the last task submitted (`bench-<n>`), and so of its session (`session-bench-<n>`). */
export const lastTaskNumber = () => taskCounter;

/** POST a task, then follow its WebSocket to `complete`; `workspace` for a new session's first task. */
export async function viaServer(server: BenchServer, session?: string, options?: TaskOptions, workspace?: string): Promise<Sample> {
  const taskId = `bench-${++taskCounter}`;
  const body: Record<string, unknown> = { task_id: taskId, prompt: PROMPT };
  if (session) body.session = { reuse_existing: true, session_id: session };
  if (options) body.options = options;
  if (workspace) body.workspace = workspace;
  const started = performance.now();
  const response = await fetch(`${server.url}/api/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== 201) throw new Error(`submit failed: ${response.status} ${await response.text()}`);
  return new Promise((resolve, reject) => {
    let firstEvent = 0;
    const socket = new WebSocket(`${server.ws}/ws/tasks/${taskId}`);
    socket.on('message', (data) => {
      firstEvent ||= performance.now() - started;
      const event = JSON.parse(String(data)) as { type: string; data: { status?: string } };
      if (event.type !== 'complete') return;
      if (event.data.status !== 'completed') reject(new Error(`task ${taskId} ended ${event.data.status}`));
      const total = performance.now() - started;
      socket.close();
      // The task's duration_ms is the agent run as the server saw it; the rest is the server.
      void fetch(`${server.url}/api/v1/tasks/${taskId}`)
        .then((r) => r.json() as Promise<{ duration_ms: number }>)
        .then((task) => resolve({ total_ms: total, first_event_ms: firstEvent, server_ms: total - task.duration_ms }), reject);
    });
    socket.on('error', reject);
  });
}

/** Opens `count` live sessions and measures what they hold, to size the 8 GiB budget. */
export async function liveSessionMemory(model: ScriptedModel, count: number): Promise<Record<string, number>> {
  const server = await startServer(model, { SESSION_MAX_CONCURRENT: String(count), WARM_POOL_SIZE: '0' });
  try {
    for (let i = 0; i < count; i++) await viaServer(server);
    const processes = server.composed.agents.stats().idle;
    const agentBytes = await server.composed.agents.memoryBytes();
    const perSession = agentBytes / processes;
    const serverRss = process.memoryUsage().rss;
    return {
      live_sessions_measured: processes,
      agent_memory_mb: round1(agentBytes / 2 ** 20),
      per_live_session_mb: round1(perSession / 2 ** 20),
      bench_process_rss_mb: round1(serverRss / 2 ** 20),
      max_live_sessions_under_8_gib: Math.floor((8 * GIB - serverRss) / perSession),
    };
  } finally {
    await server.close();
  }
}
