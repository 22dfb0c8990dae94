/**
 * The same tool lists and the same prompts through a direct query() of the Agent SDK and through
 * the real daemon: the same files must come out and the same calls must be refused, for the same
 * cause. Both drive the real CLI against the scripted model; the direct query() runs on the host
 * without a sandbox, in a temporary folder.
 *
 * The server's contract is that listed tools work and unlisted tools are refused. A direct
 * query() states each half with its own options:
 * - listed tools: `allowedTools: list`, nothing else. That is all a client of the SDK passes, and
 *   what the server's listed tools must do just as well.
 * - unlisted tools: `allowedTools` and `tools` both set to the list. `allowedTools` alone only
 *   pre-approves: with `allowedTools: ['Read']` under acceptEdits a direct query() still writes
 *   and edits files and runs `echo > file` (the mode approves those) and only refuses commands the
 *   mode would ask about. `tools` alone is no reference for listed tools either: without Read in
 *   the session, the CLI refuses an Edit of a file not read first.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
// The SDK's own query(), re-exported unchanged: the direct use a client of the SDK makes.
import { query, type SDKUserMessage } from '../../src/agent/sdk.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { DEFAULT_ALLOWED_TOOLS, DEFAULT_PERMISSION_MODE } from '../../src/tasks/task-defaults.js';
import { collectEvents, request } from '../helpers/client.js';
import { startDaemon, type DaemonProcess } from '../helpers/daemon-process.js';
import {
  contentText,
  EXISTING_CONTENT,
  EXISTING_FILE,
  expectedFiles,
  probedFiles,
  probePrompt,
  PROBES,
  refusalCause,
  type Probe,
} from '../helpers/tool-probes.js';

/** The seed's example request's options, whole. */
const SEED_OPTIONS = { allowed_tools: ['Read', 'Write', 'Edit', 'Bash'], permission_mode: 'acceptEdits', max_turns: 50, timeout: 3600 };

interface Case {
  name: string;
  /** What the server is sent as options (no allowed_tools: the server's default list). */
  options: Record<string, unknown>;
  /** The list in force, which the direct query() is given. */
  tools: readonly string[];
}

const CASES: Case[] = [
  ...[['Write'], ['Edit'], ['Write', 'Bash'], ['Read'], ['Bash']].map((tools) => ({ name: tools.join('+'), options: { allowed_tools: tools }, tools })),
  { name: 'seed example', options: SEED_OPTIONS, tools: SEED_OPTIONS.allowed_tools },
  { name: 'none (server default)', options: {}, tools: DEFAULT_ALLOWED_TOOLS },
];

interface Outcome {
  causes: Record<Probe, string>;
  files: Record<string, string | null>;
}

let dir: string;
let model: ScriptedModel;
let daemon: DaemonProcess;
/** Per case: both outcomes, or what stopped the case from running (reported by its own test). */
const outcomes = new Map<string, { direct: Outcome; server: Outcome } | Error>();

function freshWorkspace(parent: string, name: string): string {
  const workspace = path.join(parent, name.replace(/[^a-z0-9]+/gi, '-'));
  mkdirSync(workspace, { recursive: true });
  writeFileSync(path.join(workspace, EXISTING_FILE), EXISTING_CONTENT);
  return realpathSync(workspace);
}

/** The probes as turns of one direct query(), the way a session's tasks follow each other. */
async function runDirect(c: Case, restricted: boolean): Promise<Outcome> {
  const root = mkdtempSync(path.join(dir, 'direct-'));
  mkdirSync(path.join(root, 'config'));
  const cwd = freshWorkspace(root, 'work');
  let turnEnded: () => void = () => undefined;
  async function* prompts(): AsyncGenerator<SDKUserMessage> {
    for (const probe of PROBES) {
      const ended = new Promise<void>((resolve) => (turnEnded = resolve));
      yield { type: 'user', message: { role: 'user', content: probePrompt(probe, cwd) }, parent_tool_use_id: null };
      await ended;
    }
  }
  const q = query({
    prompt: prompts(),
    options: {
      cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: root,
        CLAUDE_CONFIG_DIR: path.join(root, 'config'),
        ANTHROPIC_BASE_URL: model.url,
        ANTHROPIC_API_KEY: 'test-key',
      },
      permissionMode: (c.options.permission_mode as typeof DEFAULT_PERMISSION_MODE | undefined) ?? DEFAULT_PERMISSION_MODE,
      allowedTools: [...c.tools],
      ...(restricted ? { tools: [...c.tools] } : {}),
    },
  });
  const causes: string[] = [];
  for await (const message of q) {
    if (message.type === 'result') turnEnded();
    if (message.type !== 'user' || message.parent_tool_use_id !== null || !Array.isArray(message.message.content)) continue;
    for (const block of message.message.content) {
      if (block.type === 'tool_result') causes.push(refusalCause({ is_error: block.is_error === true, content: contentText(block.content) }));
    }
  }
  return { causes: byProbe(causes), files: probedFiles(cwd) };
}

/** Each probe's outcome from the reference for its half of the contract (see the header). */
async function runReference(c: Case): Promise<Outcome> {
  const listed = (probe: Probe) => c.tools.includes(probe);
  const [preApproved, restricted] = await Promise.all([
    PROBES.some(listed) ? runDirect(c, false) : null,
    PROBES.some((probe) => !listed(probe)) ? runDirect(c, true) : null,
  ]);
  const from = (probe: Probe) => (listed(probe) ? preApproved : restricted)!;
  const fileOf: Record<string, Probe> = { 'written.txt': 'Write', [EXISTING_FILE]: 'Edit', 'bash.txt': 'Bash' };
  return {
    causes: Object.fromEntries(PROBES.map((probe) => [probe, from(probe).causes[probe]])) as Record<Probe, string>,
    files: Object.fromEntries(Object.entries(fileOf).map(([file, probe]) => [file, from(probe).files[file] ?? null])),
  };
}

/** The probes as tasks of one session on the daemon. */
async function runServer(c: Case): Promise<Outcome> {
  const workspace = freshWorkspace(path.join(dir, 'workspaces'), c.name);
  const taskIdOf = (probe: Probe) => `matrix-${path.basename(workspace)}-${probe.toLowerCase()}`;
  const session = { reuse_existing: true, session_id: `session-${taskIdOf(PROBES[0])}` };
  const causes: string[] = [];
  for (const [index, probe] of PROBES.entries()) {
    const taskId = taskIdOf(probe);
    const body = { task_id: taskId, prompt: probePrompt(probe, workspace), workspace, options: c.options };
    const submitted = await request(daemon.baseUrl, 'POST', '/api/v1/tasks', index === 0 ? body : { ...body, session });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    const { events } = await collectEvents(`${daemon.wsBase}/ws/tasks/${taskId}`, 60_000);
    const task = await request(daemon.baseUrl, 'GET', `/api/v1/tasks/${taskId}`);
    expect(task.body.status, `${c.name} ${probe}: ${JSON.stringify(task.body.error)}`).toBe('completed');
    for (const event of events.filter((e) => e.type === 'tool_result')) causes.push(refusalCause(event.data as { is_error: boolean; content: string }));
  }
  return { causes: byProbe(causes), files: probedFiles(workspace) };
}

function byProbe(causes: string[]): Record<Probe, string> {
  expect(causes, 'one tool result per probe').toHaveLength(PROBES.length);
  return Object.fromEntries(PROBES.map((probe, i) => [probe, causes[i]])) as Record<Probe, string>;
}

/** Runs `work` over `items`, at most `limit` at a time: the machine has two cores. */
async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

describe('tool lists: the server against a direct query() (real SDK, CLI and daemon)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ccs-tool-matrix-'));
    model = await startScriptedModel();
    // The direct queries do not need the daemon: they start while it comes up.
    const daemonStarted = startDaemon({
      CLAUDE_API_KEY: 'test-key-0123456789',
      CLAUDE_BASE_URL: model.url,
      STORAGE_TYPE: 'memory',
      WORKSPACE_ROOT: path.join(dir, 'workspaces'),
      DATA_DIR: path.join(dir, 'data'),
      API_RATE_LIMIT_ENABLED: 'false',
      SESSION_MAX_CONCURRENT: '4',
      WARM_POOL_SIZE: '1',
    }).then((started) => (daemon = started));
    await inPool(CASES, 2, async (c) => {
      try {
        const [direct, server] = await Promise.all([runReference(c), daemonStarted.then(() => runServer(c))]);
        outcomes.set(c.name, { direct, server });
      } catch (error) {
        outcomes.set(c.name, error instanceof Error ? error : new Error(String(error)));
      }
    });
  }, 300_000);

  afterAll(async () => {
    await daemon?.stop('SIGTERM');
    await model?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(CASES)('$name: the same files and the same refusals as a direct query()', (c) => {
    const outcome = outcomes.get(c.name);
    if (outcome instanceof Error || outcome === undefined) throw outcome ?? new Error('not run');
    const { direct, server } = outcome;
    const listed = (probe: Probe) => c.tools.includes(probe);
    // The reference first: the listed tools ran, the others were refused for not being listed.
    expect(direct.causes).toEqual(Object.fromEntries(PROBES.map((probe) => [probe, listed(probe) ? 'ran' : 'not allowed'])));
    expect(direct.files).toEqual(expectedFiles(listed));
    expect(server).toEqual(direct);
  });
});
