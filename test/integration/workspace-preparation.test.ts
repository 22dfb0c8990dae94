/**
 * prepareWorkspace against a real sandbox (bwrap, one uid per tenant, as a root server runs it):
 * creating, checking and handing over a workspace happen as the tenant (or as root keeping
 * CAP_CHOWN) in a sandbox that shows only the tenant's tree.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSandbox, SandboxIdentity } from '../../src/agent/isolation/agent-sandbox.js';
import { domainCodeOf } from '../helpers/domain-error.js';
import { processesRunningAs } from '../helpers/processes.js';
import { scratchSandbox } from '../helpers/scratch-sandbox.js';
import { prepareWorkspace } from '../../src/workspaces/workspace-preparation.js';
import { WorkspaceChecks } from '../../src/workspaces/workspace-checks.js';

const isRoot = process.getuid?.() === 0;
const chownRecursive = (dir: string, uid: number) => execFileSync('chown', ['-R', `${uid}:${uid}`, dir]);

describe.runIf(isRoot)('prepareWorkspace: as the tenant, in its sandbox', () => {
  let dir: string;
  let root: string;
  let sandbox: AgentSandbox;
  let alpha: SandboxIdentity;
  let alphaUid: number;
  let betaFile: string;

  beforeAll(async () => {
    const tenants = [
      { id: 'alpha', workspaceDir: 'alpha' },
      { id: 'beta', workspaceDir: 'beta' },
    ];
    ({ dir, root, sandbox } = await scratchSandbox('ccs-ws-prepare-', tenants, { isRoot: true, uidBase: 250_000 + Math.floor(Math.random() * 10_000) * 10 }));
    alpha = sandbox.identityFor('alpha');
    alphaUid = (alpha.user as { uid: number }).uid;
    mkdirSync(path.join(root, 'beta', 'repo'));
    betaFile = path.join(root, 'beta', 'repo', 'secret.txt');
    writeFileSync(betaFile, 'beta');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const prepare = (workspace: string) => prepareWorkspace(sandbox, alpha, workspace);

  it('creates a missing workspace, owned by the tenant, and returns its real path', async () => {
    const created = await prepare('new/deep/project');
    expect(created).toBe(path.join(root, 'alpha', 'new', 'deep', 'project'));
    for (const p of ['new', 'new/deep', 'new/deep/project']) expect(statSync(path.join(root, 'alpha', p)).uid).toBe(alphaUid);
    // A symlink inside the tenant's tree resolves to its target: the task uses the real path.
    symlinkSync(created, path.join(root, 'alpha', 'shortcut'));
    expect(await prepare('shortcut')).toBe(created);
  });

  it("hands root-owned files in a workspace to the tenant, and does not follow a symlink to another tenant's file", async () => {
    const ws = path.join(root, 'alpha', 'operator', 'checkout');
    mkdirSync(path.join(ws, 'closed', 'inner'), { recursive: true });
    writeFileSync(path.join(ws, 'closed', 'inner', 'file.txt'), 'x');
    writeFileSync(path.join(root, 'alpha', 'operator', 'beside.txt'), 'not part of the workspace');
    chmodSync(path.join(ws, 'closed'), 0o700);
    symlinkSync(betaFile, path.join(ws, 'to-beta'));
    symlinkSync(path.join(root, 'beta'), path.join(ws, 'to-beta-dir'));
    expect(await prepare('operator/checkout')).toBe(ws);
    for (const p of ['', 'closed', 'closed/inner', 'closed/inner/file.txt']) expect(lstatSync(path.join(ws, p)).uid, p).toBe(alphaUid);
    // The links themselves become the tenant's; what they point at does not.
    expect(lstatSync(path.join(ws, 'to-beta')).uid).toBe(alphaUid);
    expect(lstatSync(betaFile).uid).toBe(0);
    expect(lstatSync(path.join(root, 'beta', 'repo')).uid).toBe(0);
    // The parent is handed over on its own, not what else it holds.
    expect(lstatSync(path.join(root, 'alpha', 'operator')).uid).toBe(alphaUid);
    expect(lstatSync(path.join(root, 'alpha', 'operator', 'beside.txt')).uid).toBe(0);
  });

  it('creates a workspace below a directory an operator made as root', async () => {
    mkdirSync(path.join(root, 'alpha', 'team'), { mode: 0o755 });
    expect(await prepare('team/project')).toBe(path.join(root, 'alpha', 'team', 'project'));
    expect(statSync(path.join(root, 'alpha', 'team', 'project')).uid).toBe(alphaUid);
  });

  it("removes a process's home in a sandbox once it is done with, following no symlink planted in it", async () => {
    const home = await sandbox.createHome(alpha);
    expect(statSync(home.configDir).uid).toBe(alphaUid);
    expect(statSync(home.dir).mode & 0o777).toBe(0o700);
    writeFileSync(path.join(home.configDir, 'settings.json'), '{}');
    chownSync(path.join(home.configDir, 'settings.json'), alphaUid, alphaUid);
    // What the SDK itself makes there as root (a spare's directory), and links out.
    mkdirSync(path.join(home.configDir, 'spares', 'spare-1'), { recursive: true, mode: 0o700 });
    symlinkSync(path.join(root, 'beta', 'repo'), path.join(home.dir, 'to-beta'));
    symlinkSync(betaFile, path.join(home.configDir, 'beta-file'));
    home.dispose();
    for (let i = 0; i < 100 && existsSync(home.dir); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(home.dir)).toBe(false);
    expect(existsSync(betaFile)).toBe(true);
    expect(lstatSync(betaFile).uid).toBe(0);
  });

  it('answers a check even when the inspector is killed under it: a new one is asked, once', async () => {
    const ws = path.join(root, 'alpha', 'big');
    for (let d = 0; d < 50; d++) {
      mkdirSync(path.join(ws, `d${d}`), { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(path.join(ws, `d${d}`, `f${f}`), '');
    }
    chownRecursive(ws, alphaUid);
    await prepare('big');
    const inspectors = (): number[] => processesRunningAs(alphaUid, (proc) => proc.comm === 'node');
    const [victim] = inspectors();
    expect(victim).toBeDefined();
    const ask = sandbox.ask.bind(sandbox);
    let asked = 0;
    sandbox.ask = (...args) => {
      const answer = ask(...args);
      // The question is on its way: the inspector dies while it walks 5,000 files.
      if (++asked === 1) process.kill(victim!, 'SIGKILL');
      return answer;
    };
    try {
      expect(await prepare('big')).toBe(ws);
    } finally {
      sandbox.ask = ask;
    }
    expect(asked).toBe(2);
    expect(inspectors()).not.toContain(victim);
  });

  it('refuses what is not a usable directory, with the code that says why', async () => {
    const own = (name: string, mode: number) => {
      const p = path.join(root, 'alpha', name);
      mkdirSync(p);
      chownSync(p, alphaUid, alphaUid);
      chmodSync(p, mode);
    };
    writeFileSync(path.join(root, 'alpha', 'a-file'), 'x');
    chownSync(path.join(root, 'alpha', 'a-file'), alphaUid, alphaUid);
    own('read-only', 0o555);
    own('write-only', 0o300);
    symlinkSync(path.join(root, 'beta', 'repo'), path.join(root, 'alpha', 'into-beta'));
    symlinkSync('/etc', path.join(root, 'alpha', 'to-etc'));
    symlinkSync(path.join(root, 'alpha', 'nothing-here'), path.join(root, 'alpha', 'dangling'));
    const cases: [string, string][] = [
      ['a-file', 'WORKSPACE_NOT_A_DIRECTORY'],
      ['a-file/below', 'WORKSPACE_NOT_A_DIRECTORY'],
      ['read-only', 'WORKSPACE_NOT_WRITABLE'],
      ['write-only', 'WORKSPACE_NOT_READABLE'],
      ['into-beta', 'WORKSPACE_OUTSIDE_ROOT'],
      ['into-beta/new', 'WORKSPACE_OUTSIDE_ROOT'],
      ['to-etc', 'WORKSPACE_OUTSIDE_ROOT'],
      ['dangling/x', 'WORKSPACE_INVALID'],
      ['../beta/repo', 'WORKSPACE_OUTSIDE_ROOT'],
      [path.join(root, 'beta', 'repo'), 'WORKSPACE_OUTSIDE_ROOT'],
      ['nul\0byte', 'WORKSPACE_INVALID'],
    ];
    for (const [workspace, code] of cases) expect(await domainCodeOf(prepare(workspace)), workspace).toBe(code);
    expect(lstatSync(path.join(root, 'beta', 'repo')).uid).toBe(0);
    expect(() => lstatSync(path.join(root, 'beta', 'repo', 'new'))).toThrow();
  });

  it("WorkspaceChecks: the start walks a task's workspace again, unless the task's own submit walked it a moment ago and no other task ran there since", async () => {
    let clock = 0;
    const checks = new WorkspaceChecks(sandbox, () => clock);
    const rootOwned = (name: string): string => {
      const file = path.join(root, 'alpha', 'checks', name);
      writeFileSync(file, 'root');
      return file;
    };
    const real = await checks.resolve('alpha', 'task-1', 'checks');
    expect(lstatSync(real).uid).toBe(alphaUid);

    // A task with no check at its submit (one that came back from the queue of a restarted server) is walked as it starts.
    const first = rootOwned('first');
    await checks.beforeStart('alpha', 'task-2', real);
    expect(lstatSync(first).uid).toBe(alphaUid);
    checks.ended('task-2');
    clock += 1000;

    // A task starting within a second of its own submit's full check is not walked again...
    await checks.resolve('alpha', 'task-3', 'checks');
    const second = rootOwned('second');
    clock += 999;
    await checks.beforeStart('alpha', 'task-3', real);
    expect(lstatSync(second).uid).toBe(0);
    // ...but another task's check, an older one, or a second start of the same task count for nothing.
    await checks.beforeStart('alpha', 'task-3', real);
    expect(lstatSync(second).uid).toBe(alphaUid);
    await checks.resolve('alpha', 'task-4', 'checks');
    const third = rootOwned('third');
    await checks.beforeStart('alpha', 'task-5', real);
    expect(lstatSync(third).uid).toBe(alphaUid);
    await checks.resolve('alpha', 'task-6', 'checks');
    const fourth = rootOwned('fourth');
    clock += 1000;
    await checks.beforeStart('alpha', 'task-6', real);
    expect(lstatSync(fourth).uid).toBe(alphaUid);

    for (const id of ['task-3', 'task-5', 'task-6']) checks.ended(id);
    clock += 1000;

    // Nor does a fresh check stand in when another task ran in the workspace since: one still running...
    await checks.resolve('alpha', 'task-7', 'checks');
    await checks.beforeStart('alpha', 'other-1', real);
    const fifth = rootOwned('fifth');
    await checks.beforeStart('alpha', 'task-7', real);
    expect(lstatSync(fifth).uid).toBe(alphaUid);
    for (const id of ['task-7', 'other-1']) checks.ended(id);
    clock += 1000;
    // ...or one that ended between the submit and the start.
    await checks.beforeStart('alpha', 'other-2', real);
    await checks.resolve('alpha', 'task-8', 'checks');
    checks.ended('other-2');
    const sixth = rootOwned('sixth');
    await checks.beforeStart('alpha', 'task-8', real);
    expect(lstatSync(sixth).uid).toBe(alphaUid);
  });
});
