/**
 * Git as an attack on the server, through the real daemon, CLI and sandbox: tenant alpha's task
 * plants every git vector that runs a program or redirects git (filters, a process filter, hooks,
 * core.hooksPath, fsmonitor, textconv, pager, sshCommand, include.path, core.worktree pointing at
 * beta's workspace, `.git` files pointing at other git directories), then further tasks run in
 * those workspaces so that every phase of change tracking meets them. Every payload tries to
 * write a marker where only the server (outside any sandbox) could, and to copy the server's
 * environment and beta's secret into alpha's workspace, where a later diff would show them.
 * Run with the server as root (a uid per tenant) and as an unprivileged user (user namespaces).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request, waitForStatus } from '../helpers/client.js';
import { handOver, startDaemon, type DaemonProcess } from '../helpers/daemon-process.js';
import { shadowRepositories } from '../helpers/shadows.js';

const isRoot = process.getuid?.() === 0;
const canary = (what: string) => `canary-${what}-${randomBytes(8).toString('hex')}`;
const sha = (key: string) => createHash('sha256').update(key).digest('hex');
const ALPHA_KEY = 'alpha-key-git-7c1e0a9b3d';
const BETA_KEY = 'beta-key-git-2f6a8d4c1e';

/** Every base64 run in a text, decoded: what an attacker would have smuggled out. */
const withDecodedBase64 = (text: string) =>
  [text, ...[...text.matchAll(/[A-Za-z0-9+/]{16,}={0,2}/g)].map((m) => Buffer.from(m[0], 'base64').toString('latin1'))].join('\n');

function plantScript(t: { markerDir: string; serverPid: number; betaWs: string }): string {
  const payload = [
    '#!/bin/sh',
    'v=${1:-unknown}',
    `echo "ran as $(id -u) for $v" > '${t.markerDir}'/pwned-$v 2>/dev/null`,
    `cat /proc/${t.serverPid}/environ > "$(dirname "$0")/leak-$v.txt" 2>/dev/null`,
    `cat '${t.betaWs}'/secret.txt >> "$(dirname "$0")/leak-$v.txt" 2>/dev/null`,
    'if [ -n "${2:-}" ] && [ -f "$2" ]; then exec cat "$2"; fi',
    'case $v in filter-*|textconv|gitfile-*) exec cat ;; esac',
    'exit 0',
  ].join('\n');
  return `set -e
WS=$PWD
cat > .p.sh <<'PAYLOAD'
${payload}
PAYLOAD
echo tracked > tracked.txt; echo data > a.p; echo inc > b.inc
g() { git -c user.name=a -c user.email=a@example.com "$@"; }
g init -q . && g add -A && g commit -qm base
mkdir -p .hooks
for h in post-index-change reference-transaction pre-commit post-checkout; do
  printf '#!/bin/sh\\nsh %s hook-%s\\nexit 0\\n' "$WS/.p.sh" $h > .hooks/$h; cp .hooks/$h .git/hooks/$h
done
chmod +x .hooks/* .git/hooks/*
printf '#!/bin/sh\\nsh %s fsmonitor\\nexit 1\\n' "$WS/.p.sh" > .fsmon.sh; chmod +x .fsmon.sh
printf '[core]\\n\\tfsmonitor = %s\\n[filter "inc"]\\n\\tclean = sh %s filter-include\\n' "$WS/.fsmon.sh" "$WS/.p.sh" > .included.gitconfig
printf '* filter=x diff=t\\n*.p filter=y\\n*.inc filter=inc\\n' > .gitattributes
g config filter.x.clean "sh $WS/.p.sh filter-clean"
g config filter.x.smudge "sh $WS/.p.sh filter-smudge"
g config filter.y.process "sh $WS/.p.sh filter-process"
g config diff.t.textconv "sh $WS/.p.sh textconv"
g config core.pager "sh $WS/.p.sh pager"
g config core.sshCommand "sh $WS/.p.sh ssh"
g config core.fsmonitor "$WS/.fsmon.sh"
g config include.path "$WS/.included.gitconfig"
g config core.hooksPath "$WS/.hooks"
# A .git file pointing at a git directory that works on beta's tree, with filters of its own.
mkdir -p ../repo-gitfile && g init -q --bare ../evil.git
g config -f ../evil.git/config core.bare false
g config -f ../evil.git/config filter.x.clean "sh $WS/.p.sh gitfile-filter"
g config -f ../evil.git/config core.fsmonitor "$WS/.fsmon.sh"
g config -f ../evil.git/config core.worktree '${t.betaWs}'
printf 'gitdir: %s\\n' "$(cd ../evil.git && pwd)" > ../repo-gitfile/.git
printf '* filter=x\\n' > ../repo-gitfile/.gitattributes; echo mine > ../repo-gitfile/mine.txt
# A .git file pointing at beta's own repository.
mkdir -p ../repo-betagit && printf 'gitdir: %s/.git\\n' '${t.betaWs}' > ../repo-betagit/.git && echo own > ../repo-betagit/own.txt
# Last: from here on, git in this repository works on beta's workspace.
g config -f .git/config core.worktree '${t.betaWs}'
echo planted`;
}

const MODES = [
  { name: 'root, a uid per tenant', asUser: undefined },
  { name: 'unprivileged, user namespaces', asUser: 65534 },
] as const;

type Seen = Record<string, { task: Record<string, unknown>; diff: string; events: string }>;
interface Setup {
  ENV_CANARY: string;
  MODEL_KEY: string;
  BETA_FILE_CANARY: string;
  model?: ScriptedModel;
  daemon?: DaemonProcess;
  dir: string;
  workspaceRoot: string;
  dataDir: string;
  markerDir: string;
  betaWs: string;
  betaObjects: string;
  seen: Seen;
}

const listing = (d: string) => execFileSync('find', [d, '-type', 'f'], { encoding: 'utf8' }).split('\n').sort().join('\n');

/** Starts one mode's daemon and runs all its tasks; the modes share nothing, so both run at once. */
async function setUp(s: Setup, asUser: number | undefined): Promise<void> {
  const { seen } = s;
  const as = (key: string) => (method: string, p: string, body?: unknown) => request(s.daemon!.baseUrl, method, p, body, { 'x-api-key': key });

  async function runTask(key: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    expect((await as(key)('POST', '/api/v1/tasks', body)).status).toBe(201);
    return waitForStatus(s.daemon!.baseUrl, String(body.task_id), ['completed', 'failed', 'interrupted', 'timed_out'], 120_000, { 'x-api-key': key });
  }

  async function alpha(taskId: string, workspace: string, cmd: string): Promise<Record<string, unknown>> {
    const task = await runTask(ALPHA_KEY, { task_id: taskId, workspace, prompt: `[[script:bash]][[cmd:${cmd}]]` });
    const diff = await (await fetch(`${s.daemon!.baseUrl}/api/v1/tasks/${taskId}/diff`, { headers: { 'x-api-key': ALPHA_KEY } })).text();
    const events = JSON.stringify((await as(ALPHA_KEY)('GET', `/api/v1/tasks/${taskId}/events?format=json&limit=1000`)).body);
    seen[taskId] = { task, diff, events };
    return task;
  }

  s.model = await startScriptedModel();
  const { markerDir, workspaceRoot, dataDir, dir } = s;
  // Writable by the server's own identity only, and visible to no sandbox.
  mkdirSync(markerDir, { mode: 0o700 });
  if (asUser !== undefined) handOver(asUser, workspaceRoot, dataDir, markerDir);
  const keysFile = path.join(dir, 'keys.yaml');
  writeFileSync(
    keysFile,
    ['tenants:', '  - id: alpha', `    key_sha256: [${sha(ALPHA_KEY)}]`, '  - id: beta', `    key_sha256: [${sha(BETA_KEY)}]`].join('\n'),
  );
  s.daemon = await startDaemon(
    {
      CLAUDE_API_KEY: s.MODEL_KEY,
      CLAUDE_BASE_URL: s.model.url,
      DATABASE_PASSWORD: s.ENV_CANARY,
      WORKSPACE_ROOT: workspaceRoot,
      DATA_DIR: dataDir,
      API_AUTH_ENABLED: 'true',
      API_KEYS_FILE: keysFile,
      API_RATE_LIMIT_ENABLED: 'false',
      SESSION_MAX_CONCURRENT: '4',
      WARM_POOL_SIZE: '0',
    },
    { asUser },
  );
  expect((await runTask(BETA_KEY, { task_id: 'beta-1', workspace: 'beta-repo', prompt: '[[script:bash]][[cmd:echo hello > hello.txt]]' })).status).toBe(
    'completed',
  );
  const betaWs = (s.betaWs = path.join(workspaceRoot, 'beta', 'beta-repo'));
  writeFileSync(path.join(betaWs, 'secret.txt'), `${s.BETA_FILE_CANARY}\n`);
  execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@example.com', '-c', 'safe.directory=*', 'init', '-q'], { cwd: betaWs });
  execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@example.com', '-c', 'safe.directory=*', 'add', '-A'], { cwd: betaWs });
  execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@example.com', '-c', 'safe.directory=*', 'commit', '-qm', 'b'], { cwd: betaWs });
  s.betaObjects = listing(path.join(betaWs, '.git', 'objects'));

  const alphaRepo = path.join(workspaceRoot, 'alpha', 'repo');
  mkdirSync(alphaRepo, { recursive: true });
  writeFileSync(path.join(alphaRepo, 'plant.sh'), plantScript({ markerDir, serverPid: s.daemon.child.pid!, betaWs }));
  if (asUser !== undefined) execFileSync('chown', ['-R', `${asUser}:${asUser}`, alphaRepo]);
  expect((await alpha('plant', 'repo', 'bash plant.sh && rm plant.sh')).status).toBe('completed');
  expect(seen.plant!.events).toContain('planted');
  // The three workspaces are independent of each other: their task pairs run side by side.
  await Promise.all([
    (async () => {
      await alpha('repo-2', 'repo', 'echo more >> tracked.txt; echo p2 >> a.p; echo i2 >> b.inc; git status; git diff | cat');
      await alpha('repo-3', 'repo', 'echo again >> tracked.txt');
    })(),
    (async () => {
      await alpha('gitfile-1', 'repo-gitfile', 'echo more >> mine.txt');
      await alpha('gitfile-2', 'repo-gitfile', 'echo again >> mine.txt');
    })(),
    (async () => {
      await alpha('betagit-1', 'repo-betagit', 'echo more >> own.txt');
      await alpha('betagit-2', 'repo-betagit', 'echo again >> own.txt');
    })(),
  ]);
  // Whatever reached alpha's own object stores is printed for the test to see.
  await alpha('dump', 'repo', 'for d in .git ../evil.git; do git --git-dir=$d cat-file --batch-all-objects --batch; done | base64 -w0; echo');
}

const setups = new Map<number | undefined, { s: Setup; ready: Promise<void> }>();
function setupFor(asUser: number | undefined): { s: Setup; ready: Promise<void> } {
  let entry = setups.get(asUser);
  if (!entry) {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccs-git-vectors-'));
    const s: Setup = {
      ENV_CANARY: canary('server-env'),
      MODEL_KEY: `sk-ant-api03-${canary('model-key')}`,
      BETA_FILE_CANARY: canary('beta-file'),
      dir,
      workspaceRoot: path.join(dir, 'workspaces'),
      dataDir: path.join(dir, 'data'),
      markerDir: path.join(dir, 'host-only'),
      betaWs: '',
      betaObjects: '',
      seen: {},
    };
    entry = { s, ready: setUp(s, asUser) };
    entry.ready.catch(() => undefined); // reported by the describe that awaits it
    setups.set(asUser, entry);
  }
  return entry;
}

describe.runIf(isRoot).each(MODES)('git vectors planted in a workspace never run as the server ($name)', ({ asUser }) => {
  let ENV_CANARY: string;
  let MODEL_KEY: string;
  let BETA_FILE_CANARY: string;
  let model: ScriptedModel | undefined;
  let daemon: DaemonProcess | undefined;
  let dir: string;
  let workspaceRoot: string;
  let dataDir: string;
  let markerDir: string;
  let betaWs: string;
  let betaObjects: string;
  let seen: Seen;
  let s: Setup;

  beforeAll(async () => {
    for (const mode of MODES) setupFor(mode.asUser); // both modes' setups run at once
    const entry = setupFor(asUser);
    s = entry.s;
    ({ ENV_CANARY, MODEL_KEY, BETA_FILE_CANARY, dir, workspaceRoot, dataDir, markerDir, seen } = s);
    await entry.ready;
    ({ model, daemon, betaWs, betaObjects } = s);
  }, 600_000);

  afterAll(async () => {
    await (daemon ?? s?.daemon)?.stop('SIGTERM');
    await (model ?? s?.model)?.close();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('no payload ran outside the sandbox as the server', () => {
    expect(readdirSync(markerDir)).toEqual([]);
  });

  it('no secret of the server and nothing of beta reached alpha’s tasks, diffs or changed files', () => {
    expect(Object.keys(seen)).toHaveLength(8);
    for (const [taskId, { task, diff, events }] of Object.entries(seen)) {
      const everything = withDecodedBase64([JSON.stringify(task), diff, events].join('\n'));
      for (const secret of [ENV_CANARY, MODEL_KEY, BETA_FILE_CANARY]) expect(everything, `${taskId} leaks ${secret}`).not.toContain(secret);
    }
  });

  it('nothing of beta (and no server secret) is in the shadow repositories, and beta’s repository was not written', () => {
    const changes = path.join(dataDir, 'instances', '0', 'tmp', 'changes');
    const shadows = shadowRepositories(changes);
    expect(shadows.length).toBeGreaterThanOrEqual(3);
    for (const shadow of shadows) {
      const objects = execFileSync('git', [`--git-dir=${shadow}`, 'cat-file', '--batch-all-objects', '--batch'], {
        encoding: 'latin1',
        env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
        maxBuffer: 256 * 1024 * 1024,
      });
      for (const secret of [ENV_CANARY, MODEL_KEY, BETA_FILE_CANARY]) expect(objects).not.toContain(secret);
    }
    expect(listing(path.join(betaWs, '.git', 'objects'))).toBe(betaObjects);
    expect(existsSync(path.join(workspaceRoot, 'alpha', 'repo', '.git', 'index'))).toBe(true);
  });

  it('alpha’s own changes are still reported in every workspace', () => {
    const paths = (taskId: string) => (seen[taskId]!.task.changed_files as { path: string }[] | null)?.map((f) => f.path);
    expect(paths('repo-2')).toEqual(expect.arrayContaining(['a.p', 'b.inc', 'tracked.txt']));
    expect(paths('repo-3')).toEqual(expect.arrayContaining(['tracked.txt']));
    expect(paths('gitfile-2')).toEqual(['mine.txt']);
    expect(paths('betagit-2')).toEqual(['own.txt']);
    expect(seen['repo-3']!.diff).toMatch(/^diff --git a\/tracked.txt b\/tracked.txt\n[\s\S]*\+again\n/);
  });
});
