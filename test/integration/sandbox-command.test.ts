import { chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planIsolation, type IsolationPlan } from '../../src/agent/isolation/isolation-mode.js';
import { runInSandbox } from '../../src/agent/isolation/sandbox-command.js';

const isRoot = process.getuid?.() === 0;

describe.runIf(isRoot)('runInSandbox: a command in a tenant sandbox sees only that tenant', () => {
  let plan: IsolationPlan;
  let dir: string;
  let alpha: string;
  let beta: string;
  const tenant = { uid: 230001, gid: 230001 };

  beforeAll(() => {
    plan = planIsolation('bwrap', { isRoot: true, platform: 'linux' });
    dir = mkdtempSync(path.join(tmpdir(), 'ccs-sandbox-command-'));
    alpha = path.join(dir, 'alpha');
    beta = path.join(dir, 'beta');
    mkdirSync(alpha);
    mkdirSync(beta);
    chownSync(alpha, tenant.uid, tenant.gid);
    writeFileSync(path.join(beta, 'secret.txt'), 'beta');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const place = () => ({ workspaceRoot: alpha, masked: [], user: { kind: 'uid' as const, ...tenant, setpriv: plan.setpriv } });

  it('runs as the tenant uid, without network, and returns stdout over the pipe', async () => {
    const result = await runInSandbox(plan, place(), { command: 'sh', args: ['-c', 'id -u; cat /proc/net/dev | grep -c :'], cwd: alpha, timeoutMs: 10_000 });
    expect(result.code).toBe(0);
    // Only the loopback interface exists in the sandbox's own network namespace.
    expect(result.stdout.toString().trim().split('\n')).toEqual([String(tenant.uid), '1']);
  });

  it("cannot see another tenant's tree, even through a symlink planted in its own", async () => {
    symlinkSync(beta, path.join(alpha, 'to-beta'));
    const result = await runInSandbox(plan, place(), { command: 'cat', args: [path.join(alpha, 'to-beta', 'secret.txt')], cwd: alpha, timeoutMs: 10_000 });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/No such file/);
  });

  it('is killed at its deadline', async () => {
    const result = await runInSandbox(plan, place(), { command: 'sleep', args: ['30'], cwd: alpha, timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
  });

  it('cuts stdout at cutOutputAt, killing the command: the first bytes, marked cut', async () => {
    const result = await runInSandbox(plan, place(), { command: 'yes', args: [], cwd: alpha, timeoutMs: 10_000, cutOutputAt: 100_000 });
    expect(result).toMatchObject({ cut: true, code: null, timedOut: false });
    expect(result.stdout.toString()).toBe('y\n'.repeat(50_000));
  });

  it("as root keeping only CAP_CHOWN: chowns inside the tenant's tree, and cannot write system files", async () => {
    writeFileSync(path.join(alpha, 'root-owned.txt'), 'x');
    const user = { kind: 'root' as const, setpriv: plan.setpriv, keepCaps: ['chown'] };
    const chown = await runInSandbox(
      plan,
      { ...place(), user },
      { command: 'chown', args: [`${tenant.uid}:${tenant.gid}`, 'root-owned.txt'], cwd: alpha, timeoutMs: 10_000 },
    );
    expect(chown.code).toBe(0);
    expect(lstatSync(path.join(alpha, 'root-owned.txt')).uid).toBe(tenant.uid);
    const hostname = readFileSync('/etc/hostname', 'utf8');
    const escape = await runInSandbox(plan, { ...place(), user }, { command: 'sh', args: ['-c', 'echo x >> /etc/hostname'], cwd: alpha, timeoutMs: 10_000 });
    expect(escape.code).not.toBe(0);
    expect(escape.stderr).toMatch(/Read-only file system/);
    expect(readFileSync('/etc/hostname', 'utf8')).toBe(hostname);
  });
});
