/** The baselines of the latency benchmark: the Agent SDK's query() called directly, without the server. */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { query } from '@anthropic-ai/claude-agent-sdk';
import { buildAgentEnv } from '../../src/agent/agent-env.js';
import { AgentSandbox } from '../../src/agent/isolation/agent-sandbox.js';
import { prepareWorkspace } from '../../src/workspaces/workspace-preparation.js';
import { planIsolation } from '../../src/agent/isolation/isolation-mode.js';
import { MemoryTranscriptStore } from '../../src/backends/memory/memory-transcript-store.js';
import { pdeathsigAvailable } from '../../src/agent/process-spawner.js';
import { PromptChannel } from '../../src/agent/prompt-channel.js';
import { query as sdkQuery } from '../../src/agent/sdk.js';
import { hostOptions } from '../../src/agent/spawn-options.js';
import { taskPermissionSettings, ToolGate } from '../../src/agent/tool-gate.js';
import { StderrTail } from '../../src/agent/stderr-tail.js';
import { loadConfig } from '../../src/config.js';
import { AgentNetworks } from '../../src/egress/agent-network.js';
import { CredentialBroker } from '../../src/model-proxy/credential-broker.js';
import type { ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { DEFAULT_ALLOWED_TOOLS } from '../../src/tasks/task-defaults.js';
import { DEFAULT_OPTIONS, PROMPT, type Sample, type TaskOptions } from './task-options.js';

/** query() with the server's own options, minus the server: the baseline for its overhead. */
export async function directSamePath(model: ScriptedModel, dir: string): Promise<Sample> {
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
    secrets: null,
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
    ...hostOptions(host, 'acceptEdits', hooks, { identity, home, network: await networks.open(() => null), mcpServers: null }),
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
export async function direct(model: ScriptedModel, dir: string, taskOptions: TaskOptions = DEFAULT_OPTIONS): Promise<Sample> {
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
