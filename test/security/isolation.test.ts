/**
 * A real attack, run as a task through the real daemon (`node dist/src/main.js`), the real SDK
 * and CLI and the scripted model: tenant alpha's task runs test/security/attack.mjs with Bash,
 * which tries to reach the server, its data and tenant beta, and prints what it finds
 * base64-encoded. The test decodes everything the task streamed and everything the model was
 * sent, and looks for canaries: the server's environment, the model key, beta's prompt and file.
 */
import { randomBytes, createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request, waitForStatus } from '../helpers/client.js';
import { startDaemon, type DaemonProcess } from '../helpers/daemon-process.js';
import { isAlive, processesRunningAs } from '../helpers/processes.js';

const ATTACK_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'attack.mjs');
const canary = (what: string) => `canary-${what}-${randomBytes(8).toString('hex')}`;
const sha = (key: string) => createHash('sha256').update(key).digest('hex');

const ALPHA_KEY = 'alpha-key-iso-0f3c9a1b2d';
const BETA_KEY = 'beta-key-iso-5b8d2e4f6a';
const ENV_CANARY = canary('server-env');
const MODEL_KEY = `sk-ant-api03-${canary('model-key')}`;
const BETA_PROMPT_CANARY = canary('beta-prompt');
const BETA_FILE_CANARY = canary('beta-file');

interface Attempt {
  ok: boolean;
  value?: unknown;
  error?: string;
}
type Findings = Record<string, Attempt> & { processes: Record<string, { cmdline: string; environ: string; uid?: number; mem: string[] | string }> };

/** Every base64 run in a text, decoded: what an attacker would have smuggled out. */
function withDecodedBase64(text: string): string {
  const decoded = [...text.matchAll(/[A-Za-z0-9+/]{16,}={0,2}/g)].map((m) => Buffer.from(m[0], 'base64').toString('latin1'));
  return [text, ...decoded].join('\n');
}

describe('agent isolation: a hostile task cannot reach the server, its secrets or another tenant', () => {
  let model: ScriptedModel;
  let daemon: DaemonProcess;
  let dir: string;
  let workspaceRoot: string;
  let dataDir: string;
  let streamed = '';
  /** What the model was sent during the attack (beta's own requests rightly carry beta's prompt). */
  let toModel = '';
  let findings: Findings;

  const as = (key: string) => (method: string, p: string, body?: unknown) => request(daemon.baseUrl, method, p, body, { 'x-api-key': key });

  async function runTask(key: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    expect((await as(key)('POST', '/api/v1/tasks', body)).status).toBe(201);
    return waitForStatus(daemon.baseUrl, String(body.task_id), ['completed', 'failed', 'interrupted', 'timed_out'], 120_000, { 'x-api-key': key });
  }

  async function allEvents(key: string, taskId: string): Promise<unknown[]> {
    const events: unknown[] = [];
    for (let after = 0; ;) {
      const { body } = await as(key)('GET', `/api/v1/tasks/${taskId}/events?format=json&after=${after}&limit=100`);
      events.push(...(body.events as unknown[]));
      if (!body.has_more) return events;
      after = body.next_after as number;
    }
  }

  beforeAll(async () => {
    model = await startScriptedModel();
    dir = mkdtempSync(path.join(tmpdir(), 'ccs-isolation-'));
    workspaceRoot = path.join(dir, 'workspaces');
    dataDir = path.join(dir, 'data');
    const keysFile = path.join(dir, 'keys.yaml');
    writeFileSync(
      keysFile,
      ['tenants:', '  - id: alpha', `    key_sha256: [${sha(ALPHA_KEY)}]`, '  - id: beta', `    key_sha256: [${sha(BETA_KEY)}]`].join('\n'),
    );
    daemon = await startDaemon({
      CLAUDE_API_KEY: MODEL_KEY,
      CLAUDE_BASE_URL: model.url,
      DATABASE_PASSWORD: ENV_CANARY,
      WORKSPACE_ROOT: workspaceRoot,
      DATA_DIR: dataDir,
      API_AUTH_ENABLED: 'true',
      API_KEYS_FILE: keysFile,
      API_RATE_LIMIT_ENABLED: 'false',
      SESSION_MAX_CONCURRENT: '4',
      WARM_POOL_SIZE: '1',
    });

    // Beta works first and keeps its session (and its live process) while alpha attacks.
    const beta = await runTask(BETA_KEY, { task_id: 'beta-1', prompt: `[[script:remember]] remember ${BETA_PROMPT_CANARY}`, workspace: 'beta-repo' });
    expect(beta.status).toBe('completed');
    writeFileSync(path.join(workspaceRoot, 'beta', 'beta-repo', 'secret.txt'), BETA_FILE_CANARY);

    const alphaRepo = path.join(workspaceRoot, 'alpha', 'repo');
    mkdirSync(alphaRepo, { recursive: true });
    copyFileSync(ATTACK_SCRIPT, path.join(alphaRepo, 'attack.mjs'));
    const targets = {
      serverPid: daemon.child.pid,
      dataDir,
      sqliteFile: path.join(dataDir, 'claude-code-server.db'),
      serverCwd: daemon.dir,
      otherWorkspaceRoot: path.join(workspaceRoot, 'beta'),
      otherSecretFile: path.join(workspaceRoot, 'beta', 'beta-repo', 'secret.txt'),
    };
    // In a file, so that no command line carries beta's paths.
    writeFileSync(path.join(alphaRepo, 'targets.json'), JSON.stringify(targets));
    const firstAttackRequest = model.requests.length;
    const attack = await runTask(ALPHA_KEY, { task_id: 'attack', prompt: '[[script:bash]][[cmd:node attack.mjs targets.json]]', workspace: 'repo' });
    expect(attack.status).toBe('completed');
    toModel = JSON.stringify(model.requests.slice(firstAttackRequest).map((r) => r.body));
    streamed = JSON.stringify(await allEvents(ALPHA_KEY, 'attack'));
    const blob = /ATTACK-FINDINGS:([A-Za-z0-9+/=]+):END/.exec(streamed)?.[1] ?? readFileSync(path.join(alphaRepo, 'attack-findings.b64'), 'utf8');
    findings = JSON.parse(Buffer.from(blob, 'base64').toString('utf8')) as Findings;
  }, 300_000);

  afterAll(async () => {
    await daemon?.stop('SIGTERM');
    await model?.close();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('really ran the attack, in a sandbox that reports itself on /health', async () => {
    expect(findings.whoami).toMatchObject({ ok: true });
    expect(findings.own_home).toMatchObject({ ok: true });
    expect(Object.keys(findings.processes).length).toBeGreaterThan(0);
    expect((await request(daemon.baseUrl, 'GET', '/health')).body).toMatchObject({ isolation: 'bwrap' });
    expect(daemon.stdout()).toMatch(/Agent isolation: bwrap/);
  });

  it('cannot read the server process, nor signal it', () => {
    for (const probe of ['server_environ', 'server_cmdline', 'server_status', 'server_fds', 'server_mem', 'kill0_server']) {
      expect(findings[probe], probe).toMatchObject({ ok: false });
    }
    expect(String(findings.kill0_shell?.value)).not.toContain('rc=0');
    expect(isAlive(daemon.child.pid!)).toBe(true);
    // No process the agent can see is the server (or runs from its tree).
    for (const proc of Object.values(findings.processes)) expect(proc.cmdline).not.toContain('dist/src/main.js');
  });

  it("cannot see the server's own helpers that run as its uid in its other sandboxes: the workspace inspector, the worker loops", () => {
    const uid = Number(/uid=(\d+)/.exec(String(findings.whoami?.value))?.[1]);
    // The inspector that checked the attack's workspace at its submit is still running, as alpha...
    const inspectors = processesRunningAs(uid, (proc) => proc.cmdline.includes('holdsForeign'));
    expect(inspectors.length).toBeGreaterThan(0);
    // ...yet the agent saw none of it, nor any worker loop.
    for (const proc of Object.values(findings.processes)) expect(proc.cmdline).not.toMatch(/holdsForeign|sandbox-worker/);
  });

  it('cannot read DATA_DIR (database, transcripts, homes of other processes) or the server directory', () => {
    for (const probe of ['data_dir', 'sqlite_file', 'transcripts_db', 'agent_homes', 'server_cwd']) {
      expect(findings[probe], probe).toMatchObject({ ok: false });
    }
  });

  it("cannot list, read or write the other tenant's workspace, nor see its processes", () => {
    for (const probe of ['other_workspace_list', 'other_workspace_file', 'other_workspace_write']) {
      expect(findings[probe], probe).toMatchObject({ ok: false });
    }
    expect(existsSync(path.join(workspaceRoot, 'beta', 'pwned.txt'))).toBe(false);
    for (const proc of Object.values(findings.processes)) expect(proc.cmdline + proc.environ).not.toContain(path.join(workspaceRoot, 'beta'));
  });

  it("finds no canary anywhere: not the server's variables, nor the other tenant's prompt or file", () => {
    expect(toModel).toContain('ATTACK-FINDINGS');
    for (const haystack of [withDecodedBase64(streamed), withDecodedBase64(toModel), JSON.stringify(findings)]) {
      for (const secret of [ENV_CANARY, BETA_PROMPT_CANARY, BETA_FILE_CANARY]) expect(haystack).not.toContain(secret);
    }
  });

  it('finds no model key outside the agent CLI itself (the server, other tenants, files)', () => {
    const { processes, ...rest } = findings;
    const visible = Object.values(processes).map((p) => p.cmdline + p.environ);
    for (const haystack of [JSON.stringify(rest), JSON.stringify(visible)]) expect(haystack).not.toContain(MODEL_KEY);
  });

  it('finds no model key in any process memory or environment the agent can open', () => {
    // The CLI shares the agent's uid, so the agent can read its memory: the CLI must talk to the
    // credential proxy and hold a per-process token. A CLI pointed at the model itself holds the
    // key, and that is the leak this test is for, so it fails rather than being skipped.
    const agentBaseUrls = Object.values(findings.processes)
      .map((p) => /ANTHROPIC_BASE_URL=([^\0]*)/.exec(p.environ)?.[1])
      .filter((url) => url !== undefined);
    expect(agentBaseUrls.length, "the attack read the agent CLI's environment").toBeGreaterThan(0);
    expect(agentBaseUrls).not.toContain(model.url);
    for (const haystack of [withDecodedBase64(streamed), withDecodedBase64(toModel), JSON.stringify(findings)]) expect(haystack).not.toContain(MODEL_KEY);
  });
});

describe('secure by default: no isolation, no start', () => {
  it('refuses to start with one line saying what to install, unless AGENT_ISOLATION=none', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccs-noiso-'));
    try {
      // A PATH without bwrap stands for a machine where bubblewrap is not installed.
      const env = { PATH: path.join(dir, 'empty-bin'), CLAUDE_API_KEY: 'k', WORKSPACE_ROOT: path.join(dir, 'ws'), DATA_DIR: path.join(dir, 'data') };
      const refused = await startDaemon(env, { waitForListen: false, dir });
      expect(await refused.exited).toBe(2);
      const lines = refused.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^Agent isolation unavailable: bwrap not found: install bubblewrap .*AGENT_ISOLATION=none/);

      // Only its start is checked: no spare agent process to start beside it.
      const unisolated = await startDaemon({ ...env, AGENT_ISOLATION: 'none', WARM_POOL_SIZE: '0' }, { dir });
      try {
        expect((await request(unisolated.baseUrl, 'GET', '/health')).body).toMatchObject({ isolation: 'none' });
      } finally {
        await unisolated.stop('SIGTERM');
      }
    } finally {
      // The daemon's agent processes may still be removing their homes as it exits.
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    }
  });
});
