/**
 * Symlink races against workspace preparation, through the real daemon, CLI and sandbox. A
 * process in tenant alpha's sandbox swaps a directory and a symlink to tenant beta's workspace
 * (renameat2 RENAME_EXCHANGE, in a loop bounded in time) while alpha submits tasks into
 * workspaces through that directory. Were the server to create, resolve or chown workspaces on
 * the host, it would sooner or later create directories in beta's tree or re-own beta's files
 * to alpha's uid. Run with a root server (one uid per tenant) and an unprivileged one (user
 * namespaces). Also: the default tenant of a single-tenant run cannot redirect root's creation
 * of a new tenant's root with a symlink planted where it will be, and cannot see other tenants.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request, waitForStatus } from '../helpers/client.js';
import { handOver, startDaemon, type DaemonProcess } from '../helpers/daemon-process.js';

const isRoot = process.getuid?.() === 0;
const UNPRIVILEGED = 65534;
const ALPHA_KEY = 'alpha-key-race-7c1e9b2f4d';
const BETA_KEY = 'beta-key-race-3a6d8f0c2e';
const DEFAULT_KEY = 'default-key-race-9e4b1c7a5f';
const sha = (key: string) => createHash('sha256').update(key).digest('hex');
/**
 * The racer spins a core for this long in each mode. Ten seconds of submits still make about
 * 800 (root) to 1,400 (user namespace) raced submits and half a million swaps; the attack this
 * guards against won within three.
 */
const RACE_SECONDS = 12;
const ALPHA_CANARY = `canary-alpha-${Math.random().toString(36).slice(2)}`;
const TERMINAL = ['completed', 'failed', 'interrupted', 'timed_out'];

/** Swaps `d` (a directory) and `l` (a symlink to beta's workspace) until the deadline. */
const RACER = `
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
base, target, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
d, l = os.path.join(base, 'd'), os.path.join(base, 'l')
os.makedirs(os.path.join(d, 'inner'), exist_ok=True)
open(os.path.join(d, 'inner', 'mine.txt'), 'w').write('alpha')
if not os.path.lexists(l):
    os.symlink(target, l)
swaps, deadline = 0, time.time() + seconds
while time.time() < deadline:
    if libc.renameat2(-100, d.encode(), -100, l.encode(), 2) == 0:
        swaps += 1
print('RACER-SWAPS', swaps)
`;

/** Every path below `dir` with its owner, for a before/after comparison. */
function inventory(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (p: string): void => {
    const stats = lstatSync(p);
    out.set(path.relative(dir, p), stats.uid);
    if (stats.isDirectory()) for (const entry of readdirSync(p)) walk(path.join(p, entry));
  };
  walk(dir);
  return out;
}

function keysFile(dir: string, tenants: string[]): string {
  const file = path.join(dir, 'keys.yaml');
  const keys: Record<string, string> = { alpha: ALPHA_KEY, beta: BETA_KEY };
  const lines = ['tenants:', ...tenants.flatMap((id) => [`  - id: ${id}`, `    key_sha256: [${sha(keys[id] ?? `${id}-key-0123456789`)}]`])];
  writeFileSync(file, lines.join('\n'), { mode: 0o644 });
  return file;
}

type Prepared = { model?: ScriptedModel; daemon?: DaemonProcess; dir: string; workspaceRoot: string; betaRepo: string; before: Map<string, number> };

const BETA_TASK = {
  task_id: 'beta-1',
  prompt: '[[script:bash]][[cmd:mkdir -p src && echo beta > src/secret.txt && for i in $(seq 40); do echo beta > f$i.txt; done]]',
  workspace: 'beta-repo',
};

/** Everything before a race: a daemon, and beta's workspace with its inventory. */
async function prepare(mode: 'root' | 'userns', p: Prepared): Promise<void> {
  p.model = await startScriptedModel();
  const { workspaceRoot } = p;
  const dataDir = path.join(p.dir, 'data');
  if (mode === 'userns') handOver(UNPRIVILEGED, workspaceRoot, dataDir);
  p.daemon = await startDaemon(
    {
      CLAUDE_API_KEY: 'sk-ant-race-key-0123456789',
      CLAUDE_BASE_URL: p.model.url,
      WORKSPACE_ROOT: workspaceRoot,
      DATA_DIR: dataDir,
      API_AUTH_ENABLED: 'true',
      API_KEYS_FILE: keysFile(p.dir, ['alpha', 'beta']),
      API_RATE_LIMIT_ENABLED: 'false',
      SESSION_MAX_CONCURRENT: '1',
      WARM_POOL_SIZE: '0',
    },
    mode === 'userns' ? { asUser: UNPRIVILEGED } : {},
  );
  expect((await request(p.daemon.baseUrl, 'POST', '/api/v1/tasks', BETA_TASK, { 'x-api-key': BETA_KEY })).status).toBe(201);
  expect((await waitForStatus(p.daemon.baseUrl, 'beta-1', TERMINAL, 120_000, { 'x-api-key': BETA_KEY })).status).toBe('completed');
  p.betaRepo = path.join(workspaceRoot, 'beta', 'beta-repo');
  p.before = inventory(path.join(workspaceRoot, 'beta'));
}

/**
 * Setups are started once, on first use. The first race starts every setup of this file at once
 * and waits for all of them to finish before it races, so no race shares the machine with a setup.
 */
const started = new Map<string, { ready: Promise<void> }>();
function start<T extends { ready: Promise<void> }>(key: string, make: () => T): T {
  if (!started.has(key))
    started
      .set(key, make())
      .get(key)!
      .ready.catch(() => undefined); // reported by the describe that awaits it
  return started.get(key) as T;
}
const startRace = (mode: 'root' | 'userns') =>
  start(mode, () => {
    const dir = mkdtempSync(path.join(tmpdir(), `ccs-race-${mode}-`));
    const p: Prepared = { dir, workspaceRoot: path.join(dir, 'workspaces'), betaRepo: '', before: new Map() };
    return { p, ready: prepare(mode, p) };
  });
const startAll = () => [startRace('root'), startRace('userns'), startPlanted()];

function describeRace(mode: 'root' | 'userns'): void {
  describe.runIf(isRoot)(`symlink race against workspace preparation (${mode} server)`, () => {
    let daemon: DaemonProcess;
    let workspaceRoot: string;
    let betaRepo: string;
    let before: Map<string, number>;
    const responses: { status: number; code?: string }[] = [];
    let racerOutput = '';
    let prepared: Prepared;

    const as = (key: string) => (method: string, p: string, body?: unknown) => request(daemon.baseUrl, method, p, body, { 'x-api-key': key });

    beforeAll(async () => {
      if (mode === 'root') await Promise.allSettled(startAll().map((e) => e.ready));
      const entry = startRace(mode);
      prepared = entry.p;
      await entry.ready;
      ({ daemon, workspaceRoot, betaRepo, before } = prepared as Required<Prepared>);

      // The racer holds the only session slot while it runs, so alpha's submits below queue.
      const racer = `[[script:bash]][[cmd:printf %s "${Buffer.from(RACER).toString('base64')}" | base64 -d > racer.py && python3 racer.py "$PWD" ${betaRepo} ${RACE_SECONDS}]]`;
      expect((await as(ALPHA_KEY)('POST', '/api/v1/tasks', { task_id: 'racer', prompt: racer, workspace: 'repo' })).status).toBe(201);
      await waitForStatus(daemon.baseUrl, 'racer', ['running'], 60_000, { 'x-api-key': ALPHA_KEY });
      const repo = path.join(workspaceRoot, 'alpha', 'repo');
      for (let i = 0; i < 500 && !existsLink(path.join(repo, 'l')); i++) await new Promise((r) => setTimeout(r, 20));
      const deadline = Date.now() + (RACE_SECONDS - 2) * 1000;
      for (let i = 0; Date.now() < deadline; i++) {
        // The recursive walk of a workspace holding the swapped pair, of the swapped directory, and creation through it.
        const workspace = ['repo', 'repo/d', `repo/d/new-${i}`][i % 3]!;
        const { status, body } = await as(ALPHA_KEY)('POST', '/api/v1/tasks', { task_id: `sub-${i}`, prompt: 'hello', workspace });
        responses.push({ status, code: (body.error as { code?: string } | undefined)?.code });
        if (status === 201) await as(ALPHA_KEY)('POST', `/api/v1/tasks/sub-${i}/interrupt`);
      }
      const done = await waitForStatus(daemon.baseUrl, 'racer', TERMINAL, 120_000, { 'x-api-key': ALPHA_KEY });
      racerOutput = JSON.stringify(done);
    }, 300_000);

    afterAll(async () => {
      await prepared?.daemon?.stop('SIGTERM');
      await prepared?.model?.close();
      if (prepared) rmSync(prepared.dir, { recursive: true, force: true, maxRetries: 5 });
    });

    it('really raced: the swaps ran in alpha sandbox while alpha submitted many times', () => {
      const swaps = Number(/RACER-SWAPS (\d+)/.exec(racerOutput)?.[1] ?? 0);
      const refused = responses.filter((r) => r.status !== 201).length;
      console.info(`${mode}: ${swaps} swaps, ${responses.length} submits, ${refused} refused`);
      expect(swaps).toBeGreaterThan(1000);
      expect(responses.length).toBeGreaterThan(10);
    });

    it('every submit either worked or got a clean 400 with a workspace code', () => {
      for (const r of responses) {
        if (r.status !== 201) expect(r, JSON.stringify(r)).toMatchObject({ status: 400, code: expect.stringMatching(/^WORKSPACE_/) });
      }
      expect(responses.some((r) => r.status === 201)).toBe(true);
    });

    it("none of beta's files changed owner", () => {
      const after = inventory(path.join(workspaceRoot, 'beta'));
      for (const [p, uid] of before) expect(after.get(p), p).toBe(uid);
      expect(statSync(path.join(betaRepo, 'src', 'secret.txt')).uid).toBe(before.get(path.join('beta-repo', 'src', 'secret.txt')));
    });

    it("nothing was created in beta's tree", () => {
      const after = inventory(path.join(workspaceRoot, 'beta'));
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    });
  });
}

function existsLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

describeRace('root');
describeRace('userns');

type Planted = { model?: ScriptedModel; dir: string; workspaceRoot: string; victim: string; restarted?: DaemonProcess; probe: string };

async function plantAndRestart(t: Planted): Promise<void> {
  const { dir, workspaceRoot, victim } = t;
  t.model = await startScriptedModel();
  mkdirSync(victim, { mode: 0o755 });
  writeFileSync(path.join(victim, 'system.conf'), 'root');
  const env = {
    CLAUDE_API_KEY: 'sk-ant-planted-0123456789',
    CLAUDE_BASE_URL: t.model.url,
    WORKSPACE_ROOT: workspaceRoot,
    DATA_DIR: path.join(dir, 'data'),
    API_AUTH_ENABLED: 'true',
    API_API_KEY: DEFAULT_KEY,
    API_RATE_LIMIT_ENABLED: 'false',
    WARM_POOL_SIZE: '0',
  };
  // Single-tenant: the default tenant owns WORKSPACE_ROOT, and plants a symlink where a tenant's root will go.
  const first = await startDaemon(env);
  const plant = `[[script:bash]][[cmd:ln -s ${victim} ${path.join(workspaceRoot, 'gamma')} && echo planted]]`;
  const submitted = await request(first.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'plant', prompt: plant }, { 'x-api-key': DEFAULT_KEY });
  expect(submitted.status).toBe(201);
  expect((await waitForStatus(first.baseUrl, 'plant', TERMINAL, 120_000, { 'x-api-key': DEFAULT_KEY })).status).toBe('completed');
  await first.stop('SIGTERM');
  expect(lstatSync(path.join(workspaceRoot, 'gamma')).isSymbolicLink()).toBe(true);

  // Restart with tenants: the server creates gamma's root, owned by gamma's uid, mode 0700.
  const restarted = (t.restarted = await startDaemon({ ...env, API_KEYS_FILE: keysFile(dir, ['alpha', 'gamma']) }));
  mkdirSync(path.join(workspaceRoot, 'alpha', 'repo'), { recursive: true });
  writeFileSync(path.join(workspaceRoot, 'alpha', 'repo', 'alpha.txt'), ALPHA_CANARY);
  const look = `[[script:bash]][[cmd:ls ${workspaceRoot} ${path.join(workspaceRoot, 'alpha')} ${path.join(workspaceRoot, 'gamma')} 2>&1; cat ${path.join(workspaceRoot, 'alpha', 'repo', 'alpha.txt')} 2>&1; echo PROBE-END]]`;
  expect((await request(restarted.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'look', prompt: look }, { 'x-api-key': DEFAULT_KEY })).status).toBe(201);
  t.probe = JSON.stringify(await waitForStatus(restarted.baseUrl, 'look', TERMINAL, 120_000, { 'x-api-key': DEFAULT_KEY }));
}

function startPlanted(): { t: Planted; ready: Promise<void> } {
  return start('planted', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccs-planted-root-'));
    const t: Planted = { dir, workspaceRoot: path.join(dir, 'workspaces'), victim: path.join(dir, 'victim'), probe: '' };
    return { t, ready: plantAndRestart(t) };
  });
}

describe.runIf(isRoot)("the default tenant cannot redirect the creation of a new tenant's root, nor see other tenants", () => {
  let workspaceRoot: string;
  let victim: string;
  let restarted: DaemonProcess;
  let probe = '';
  let t: Planted;

  beforeAll(async () => {
    const entry = startPlanted();
    t = entry.t;
    await entry.ready;
    ({ workspaceRoot, victim, probe } = t);
    restarted = t.restarted!;
  }, 300_000);

  afterAll(async () => {
    await t?.restarted?.stop('SIGTERM');
    await t?.model?.close();
    if (t) rmSync(t.dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('left the symlink target alone and made a real directory for the new tenant', () => {
    const target = statSync(victim);
    expect(target.uid).toBe(0);
    expect(target.mode & 0o777).toBe(0o755);
    expect(statSync(path.join(victim, 'system.conf')).uid).toBe(0);
    const gamma = lstatSync(path.join(workspaceRoot, 'gamma'));
    expect(gamma.isDirectory()).toBe(true);
    expect(gamma.uid).not.toBe(0);
    expect(gamma.mode & 0o777).toBe(0o700);
    expect(restarted.stdout()).toMatch(/symlink .* stood where tenant gamma's workspace root belongs/);
  });

  it('took WORKSPACE_ROOT back from the default tenant, which now has a subtree of its own', () => {
    expect(statSync(workspaceRoot).uid).toBe(0);
    expect(existsLink(path.join(workspaceRoot, 'default'))).toBe(false);
    expect(statSync(path.join(workspaceRoot, 'default')).isDirectory()).toBe(true);
  });

  it("the default tenant's sandbox hides the other tenants' folders", () => {
    expect(probe).toContain('PROBE-END');
    expect(probe).not.toContain(ALPHA_CANARY);
    expect(probe).toContain(`cannot access '${path.join(workspaceRoot, 'alpha')}': No such file or directory`);
    expect(probe).toContain(`cannot access '${path.join(workspaceRoot, 'gamma')}': No such file or directory`);
  });
});
