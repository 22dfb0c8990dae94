/**
 * Latency benchmark: what the daemon adds to, and saves from, a Claude Code task. In one
 * process, against one scripted model, interleaved round by round:
 *
 *   direct_cold   the SDK's query() called directly, cold (a new CLI process), as a baseline
 *   direct_same   query() called directly with exactly the options the server uses (its env,
 *                 key pipe, setpriv launch, streaming input): the server's overhead is
 *                 server_cold minus this
 *   server_new    the server, a new session (claims a prewarmed spare)
 *   server_reuse  the server, a reused session (one more prompt into its live process)
 *   server_cold   the server with WARM_POOL_SIZE=0, a new session (the same cold SDK path)
 *
 * direct_cold and server_new are measured for three sets of task options, each against a direct
 * cold query() with the same options: the server's defaults (`default`), the seed's example
 * (`seed`: Read, Write, Edit, Bash; acceptEdits; max_turns 50) and a random subset of tools in a
 * random mode, drawn anew each round (`random`).
 *
 * Each is timed from the request (POST, or the query() call) to the task's `complete` event on
 * a WebSocket (or the SDK's result), with time-to-first-event alongside. Prints JSON.
 *
 *   npm run -s bench            (builds first)
 *   node dist/bench/latency.js [--runs 12]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { connect } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { query } from '@anthropic-ai/claude-agent-sdk';
import { buildAgentEnv } from '../src/agent/agent-env.js';
import { AgentSandbox } from '../src/agent/isolation/agent-sandbox.js';
import { prepareWorkspace } from '../src/workspaces/workspace-preparation.js';
import { planIsolation } from '../src/agent/isolation/isolation-mode.js';
import { MemoryTranscriptStore } from '../src/backends/memory/memory-transcript-store.js';
import { pdeathsigAvailable } from '../src/agent/process-spawner.js';
import { PromptChannel } from '../src/agent/prompt-channel.js';
import { query as sdkQuery } from '../src/agent/sdk.js';
import { hostOptions } from '../src/agent/spawn-options.js';
import { taskPermissionSettings, ToolGate } from '../src/agent/tool-gate.js';
import { StderrTail } from '../src/agent/stderr-tail.js';
import { buildApp } from '../src/http/app.js';
import { loadConfig } from '../src/config.js';
import { AgentNetworks } from '../src/egress/agent-network.js';
import { CredentialBroker } from '../src/model-proxy/credential-broker.js';
import { startScriptedModel, type ScriptedModel } from '../src/dev/scripted-model/index.js';
import { silentLogger } from '../src/observability/logger.js';
import { composeServer, type ComposedServer } from '../src/server/compose.js';
import { DEFAULT_ALLOWED_TOOLS } from '../src/tasks/task-defaults.js';

const PROMPT = '[[script:write-file]] write the hello file';
const GIB = 2 ** 30;
const SETTLE_MS = 400;

interface Sample {
  total_ms: number;
  first_event_ms: number;
  /** Server runs only: request-to-complete time not spent inside the agent run itself. */
  server_ms?: number;
}

interface BenchServer {
  url: string;
  ws: string;
  composed: ComposedServer;
  close(): Promise<void>;
}

async function startServer(model: ScriptedModel, env: Record<string, string>): Promise<BenchServer> {
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
    composed: server,
    close: async () => {
      await app.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

let taskCounter = 0;

/** Task options as a client sends them; null means the server's defaults. */
interface TaskOptions {
  allowed_tools: string[];
  permission_mode: 'default' | 'acceptEdits';
  max_turns: number;
}

const PROFILES = ['default', 'seed', 'random'] as const;
type Profile = (typeof PROFILES)[number];
const SEED_OPTIONS: TaskOptions = { allowed_tools: ['Read', 'Write', 'Edit', 'Bash'], permission_mode: 'acceptEdits', max_turns: 50 };
const DEFAULT_OPTIONS: TaskOptions = { allowed_tools: [...DEFAULT_ALLOWED_TOOLS], permission_mode: 'acceptEdits', max_turns: 50 };

function randomOptions(): TaskOptions {
  const tools = ['Read', 'Write', 'Edit', 'Glob', 'Grep', 'Bash', 'WebFetch', 'TodoWrite'].filter(() => Math.random() < 0.5);
  return { allowed_tools: tools, permission_mode: Math.random() < 0.5 ? 'default' : 'acceptEdits', max_turns: 2 + Math.floor(Math.random() * 60) };
}

/** POST a task, then follow its WebSocket to `complete`. */
async function viaServer(server: BenchServer, session?: string, options?: TaskOptions): Promise<Sample> {
  const taskId = `bench-${++taskCounter}`;
  const body: Record<string, unknown> = { task_id: taskId, prompt: PROMPT };
  if (session) body.session = { reuse_existing: true, session_id: session };
  if (options) body.options = options;
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

/** query() with the server's own options, minus the server: the baseline for its overhead. */
async function directSamePath(model: ScriptedModel, dir: string): Promise<Sample> {
  // Workspaces beside DATA_DIR, as the server has them: with DATA_DIR inside the workspace root,
  // the agent's uid could not reach its own home there (EACCES), and the CLI spent 5 s retrying
  // its config lock, which is what made this variant take ~6 s.
  const workspaceRoot = path.join(dir, 'direct-same-workspaces');
  mkdirSync(workspaceRoot, { recursive: true });
  const cwd = mkdtempSync(path.join(workspaceRoot, 'ws-'));
  // The same isolation as the server's (AGENT_ISOLATION, default auto), so that it is not counted as server overhead.
  const isolation = planIsolation(loadConfig({ CLAUDE_API_KEY: 'bench-key', ...process.env }).isolation.setting, {
    isRoot: process.getuid?.() === 0,
    platform: process.platform,
  });
  const sandbox = new AgentSandbox(isolation, {
    dataDir: path.join(dir, 'data'),
    homesDir: path.join(dir, 'data', 'agent-homes'),
    workspaceRoot,
    tenants: [{ id: 'default', workspaceDir: '' }],
    uidBase: 200_000,
  });
  await sandbox.init();
  const identity = sandbox.identityFor('default');
  await prepareWorkspace(sandbox, identity, cwd);
  // A sandbox has a network of its own: the model is reached over the process's Unix socket, relayed straight to the scripted model.
  const networks = new AgentNetworks({
    dir: path.join(dir, 'data', 'net'),
    isolated: isolation.mode !== 'none',
    acceptModel: (socket) => {
      const upstream = connect(Number(new URL(model.url).port), '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    },
    acceptEgress: (socket) => socket.destroy(),
  });
  await networks.init();
  const host = {
    env: buildAgentEnv({ serverEnv: process.env, passthrough: [], baseUrl: model.url, clientApp: 'bench' }),
    allowBypassPermissions: false,
    usePdeathsig: pdeathsigAvailable(),
    // Straight to the scripted model, which takes any key: the baseline has no credential proxy.
    credentials: new CredentialBroker(),
    sandbox,
    networks,
    transcripts: new MemoryTranscriptStore(),
  };
  const home = await sandbox.createHome(identity);
  const channel = new PromptChannel();
  channel.push(PROMPT);
  const started = performance.now();
  let firstEvent = 0;
  const hooks = {
    abortController: new AbortController(),
    stderr: new StderrTail(),
    toolGate: new ToolGate(),
    credential: host.credentials.mint(),
    onSpawn: () => undefined,
    onExit: () => undefined,
  };
  hooks.toolGate.openFor(DEFAULT_ALLOWED_TOOLS);
  const options = {
    ...hostOptions(host, 'acceptEdits', hooks, { identity, home, network: await networks.open(() => null) }),
    cwd,
    settings: taskPermissionSettings(DEFAULT_ALLOWED_TOOLS),
  };
  for await (const message of sdkQuery({ prompt: channel, options })) {
    if (message.type === 'assistant' && !firstEvent) firstEvent = performance.now() - started;
    if (message.type === 'result') {
      channel.close();
      if (message.is_error) throw new Error('direct query failed');
      return { total_ms: performance.now() - started, first_event_ms: firstEvent };
    }
  }
  throw new Error('direct query ended without a result');
}

/** The SDK called directly, as a cold query() with the same tools and limits. */
async function direct(model: ScriptedModel, dir: string, taskOptions: TaskOptions = DEFAULT_OPTIONS): Promise<Sample> {
  const cwd = mkdtempSync(path.join(dir, 'ws-'));
  const started = performance.now();
  let firstEvent = 0;
  const q = query({
    prompt: PROMPT,
    options: {
      cwd,
      env: { PATH: process.env.PATH, HOME: dir, ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'bench-key', CLAUDE_CONFIG_DIR: path.join(dir, 'config') },
      tools: [...taskOptions.allowed_tools],
      allowedTools: [...taskOptions.allowed_tools],
      permissionMode: taskOptions.permission_mode,
      permissionPrompts: 'none',
      maxTurns: taskOptions.max_turns,
      settingSources: ['project'],
    },
  });
  for await (const message of q) {
    if (message.type === 'assistant' && !firstEvent) firstEvent = performance.now() - started;
    if (message.type === 'result') {
      if (message.is_error) throw new Error('direct query failed');
      return { total_ms: performance.now() - started, first_event_ms: firstEvent };
    }
  }
  throw new Error('direct query ended without a result');
}

async function until(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the warm pool');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round1 = (n: number) => Math.round(n * 10) / 10;

/** Opens `count` live sessions and measures what they hold, to size the 8 GiB budget. */
async function liveSessionMemory(model: ScriptedModel, count: number): Promise<Record<string, number>> {
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

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '12' }, 'memory-sessions': { type: 'string', default: '6' } } });
  const runs = Number(values.runs);
  const model = await startScriptedModel();
  const directDir = mkdtempSync(path.join(tmpdir(), 'ccs-bench-direct-'));
  const warm = await startServer(model, { SESSION_MAX_CONCURRENT: '4', WARM_POOL_SIZE: '1' });
  const cold = await startServer(model, { SESSION_MAX_CONCURRENT: '4', WARM_POOL_SIZE: '0' });
  const samples: Record<string, Sample[]> = { direct_same: [], server_reuse: [], server_cold: [] };
  for (const profile of PROFILES) {
    samples[`direct_cold_${profile}`] = [];
    samples[`server_new_${profile}`] = [];
  }

  // Warm-up: the first CLI start pays for disk caches; it is not a fair sample for anyone.
  await direct(model, directDir);
  await viaServer(warm);
  const reuseTask = taskCounter;
  const reuseSession = `session-bench-${reuseTask}`;
  await viaServer(warm, reuseSession);

  type Variant = () => Promise<void>;
  for (let round = 0; round < runs; round++) {
    const optionsOf: Record<Profile, TaskOptions | undefined> = { default: undefined, seed: SEED_OPTIONS, random: randomOptions() };
    const variants: Variant[] = [
      async () => void samples.server_reuse!.push(await viaServer(warm, reuseSession)),
      async () => void samples.direct_same!.push(await directSamePath(model, directDir)),
      async () => {
        samples.server_cold!.push(await viaServer(cold));
        await fetch(`${cold.url}/api/v1/sessions/session-bench-${taskCounter}`, { method: 'DELETE' });
      },
    ];
    for (const profile of PROFILES) {
      variants.push(async () => void samples[`direct_cold_${profile}`]!.push(await direct(model, directDir, optionsOf[profile] ?? DEFAULT_OPTIONS)));
      variants.push(async () => {
        samples[`server_new_${profile}`]!.push(await viaServer(warm, undefined, optionsOf[profile]));
        // Done with it, as an orchestrator would be; this frees the slot for the next spare.
        await fetch(`${warm.url}/api/v1/sessions/session-bench-${taskCounter}`, { method: 'DELETE' });
      });
    }
    for (let i = 0; i < variants.length; i++) {
      // Let the previous sample's background work (a spare being refilled, a deleted session's
      // process exiting) finish, so it does not eat into whichever variant runs next.
      await until(() => warm.composed.agents.stats().spare >= 1 && warm.composed.agents.stats().exiting === 0);
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      await variants[(i + round) % variants.length]!();
    }
  }
  await warm.close();
  await cold.close();

  const summary = Object.fromEntries(
    Object.entries(samples).map(([name, list]) => [
      name,
      { median_ms: round1(median(list.map((s) => s.total_ms))), first_event_median_ms: round1(median(list.map((s) => s.first_event_ms))), runs: list.length },
    ]),
  ) as Record<string, { median_ms: number; first_event_median_ms: number; runs: number }>;
  const medianOf = (name: string) => summary[name]!.median_ms;
  const memory = await liveSessionMemory(model, Number(values['memory-sessions']));
  await model.close();
  rmSync(directDir, { recursive: true, force: true });

  const ratio = (a: number, b: number) => +(a / b).toFixed(3);
  const ratios = {
    ...Object.fromEntries(PROFILES.map((p) => [`server_new_${p}_vs_direct_cold_${p}`, ratio(medianOf(`server_new_${p}`), medianOf(`direct_cold_${p}`))])),
    server_reuse_vs_direct_cold: ratio(medianOf('server_reuse'), medianOf('direct_cold_default')),
    server_cold_vs_direct_cold: ratio(medianOf('server_cold'), medianOf('direct_cold_default')),
  } as Record<string, number>;
  const overheadMs = round1(medianOf('server_cold') - medianOf('direct_same'));
  const serverMs = Object.entries(samples)
    .filter(([name]) => name.startsWith('server_'))
    .flatMap(([, list]) => list.map((s) => s.server_ms ?? 0));
  process.stdout.write(
    JSON.stringify(
      {
        benchmark: 'latency',
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model, memory_gb: Math.round(totalmem() / GIB), node: process.version },
        task: 'one Write tool call and a text reply (scripted model on loopback)',
        runs,
        results: summary,
        ratios,
        targets: {
          server_new_any_options_le_0_5: PROFILES.every((p) => ratios[`server_new_${p}_vs_direct_cold_${p}`]! <= 0.5),
          server_reuse_le_0_2: ratios.server_reuse_vs_direct_cold! <= 0.2,
          server_overhead_lt_10_ms: median(serverMs) < 10,
        },
        // Per task: request-to-complete minus the agent run the server timed (median, and p90).
        server_overhead_ms: { median: round1(median(serverMs)), p90: round1([...serverMs].sort((a, b) => a - b)[Math.floor(serverMs.length * 0.9)]!) },
        // The same, as a difference of medians against the same SDK path called directly (noisier).
        server_cold_minus_direct_same_ms: overheadMs,
        live_session_memory: memory,
        samples_ms: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, v.map((s) => round1(s.total_ms))])),
      },
      null,
      2,
    ) + '\n',
  );
}

await main();
