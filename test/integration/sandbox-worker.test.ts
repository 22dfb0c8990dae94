import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { planIsolation, type IsolationPlan } from '../../src/agent/isolation/isolation-mode.js';
import { BASE_ENV, sandboxLaunch, type SandboxCommand, type SandboxPlace } from '../../src/agent/isolation/sandbox-command.js';
import { SandboxWorker, workerCommand } from '../../src/agent/isolation/sandbox-worker.js';
import { SandboxWorkers } from '../../src/agent/isolation/sandbox-workers.js';

const isRoot = process.getuid?.() === 0;

describe.runIf(isRoot)('SandboxWorkers: long-lived tenant sandboxes for the server’s short commands', () => {
  let plan: IsolationPlan;
  let dir: string;
  let alpha: string;
  let beta: string;
  let scratch: string;
  let workers: SandboxWorkers;
  let launches = 0;
  const tenant = { uid: 230011, gid: 230011 };

  beforeAll(() => {
    plan = planIsolation('bwrap', { isRoot: true, platform: 'linux' });
    dir = mkdtempSync(path.join(tmpdir(), 'ccs-sandbox-worker-'));
    alpha = path.join(dir, 'alpha');
    beta = path.join(dir, 'beta');
    scratch = path.join(dir, 'scratch-alpha');
    for (const d of [alpha, beta, scratch]) mkdirSync(d);
    chownSync(alpha, tenant.uid, tenant.gid);
    chownSync(scratch, tenant.uid, tenant.gid);
    writeFileSync(path.join(beta, 'secret.txt'), 'beta');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => workers.close());

  const place = (): SandboxPlace => ({ workspaceRoot: alpha, masked: [], user: { kind: 'uid', ...tenant, setpriv: plan.setpriv } });
  const fresh = (idleMs = 60_000): SandboxWorkers => {
    launches = 0;
    workers = new SandboxWorkers((p, binds) => {
      launches++;
      const w = workerCommand();
      return { ...sandboxLaunch(plan, p, p.user!, binds, '/', w.command, w.args, 64 * 1024 * 1024), env: { ...BASE_ENV } };
    }, idleMs);
    return workers;
  };
  const run = (cmd: Partial<SandboxCommand> & { command: string; args: string[] }, env: Record<string, string> = { ...BASE_ENV }) => {
    const running = workers.tryRun(place(), { cwd: alpha, timeoutMs: 10_000, reusable: true, ...cmd }, env);
    if (running === null) throw new Error('no worker took the command');
    return running;
  };

  it('runs commands one after another in one sandbox, as the tenant, without network', async () => {
    fresh();
    const first = await run({ command: 'sh', args: ['-c', 'id -u; grep -c : /proc/net/dev; echo $PPID'] });
    const second = await run({ command: 'sh', args: ['-c', 'echo $PPID'] });
    expect(first.code).toBe(0);
    const [uid, interfaces, parent] = first.stdout.toString().trim().split('\n');
    expect([uid, interfaces]).toEqual([String(tenant.uid), '1']);
    // The same worker loop started both commands.
    expect(second.stdout.toString().trim()).toBe(parent);
    expect(launches).toBe(1);
  });

  it('returns stdout byte for byte, the stderr of a failure apart, the exit code, and only the given environment', async () => {
    fresh();
    const bytes = await run({ command: 'sh', args: ['-c', "head -c 3000000 /dev/zero | tr '\\0' 'a'; printf '\\0\\377end'; echo oops >&2; exit 3"] });
    expect(bytes.code).toBe(3);
    expect(bytes.stdout.length).toBe(3_000_005);
    expect(bytes.stdout.subarray(-5)).toEqual(Buffer.from([0, 0xff, 0x65, 0x6e, 0x64]));
    expect(bytes.stderr.trim()).toBe('oops');
    const env = await run({ command: 'env', args: [] }, { PATH: '/usr/bin:/bin', ONLY: 'this one' });
    expect(env.stdout.toString().trim().split('\n').sort()).toEqual(['ONLY=this one', 'PATH=/usr/bin:/bin']);
    // A long argument (a script) is sent once and then named by number; every use sees it whole.
    const script = `printf '%s' "${'x'.repeat(5000)}" | wc -c`;
    for (let i = 0; i < 3; i++) expect((await run({ command: 'sh', args: ['-c', script] })).stdout.toString().trim()).toBe('5000');
    // A command with stdin is left to a sandbox of its own.
    expect(workers.tryRun(place(), { command: 'cat', args: [], cwd: alpha, timeoutMs: 1000, reusable: true, input: 'x' }, { ...BASE_ENV })).toBeNull();
  });

  it("runs a bash script in the loop's subshell as bash -c would: its arguments, exactly its environment, none of the loop's variables", async () => {
    fresh();
    const script = 'set -u; printf "%s|" "$#" "$@" "$PWD" "${f-unset}${cache-unset}${marker-unset}${n-unset}"; env | sort | tr "\\n" " "; exit 7';
    const result = await run({ command: 'bash', args: ['-c', script, 'name', 'one', 'two words', ''] }, { PATH: '/usr/bin:/bin', ONLY: 'this' });
    expect([result.code, result.stderr]).toEqual([7, '']);
    expect(result.stdout.toString()).toBe(`3|one|two words||${alpha}|unsetunsetunsetunset|ONLY=this PATH=/usr/bin:/bin PWD=${alpha} SHLVL=1 _=/usr/bin/env `);
    expect((await run({ command: 'bash', args: ['-c', 'echo "$#"', 'name'] })).stdout.toString()).toBe('0\n');
    const failed = await run({ command: 'bash', args: ['-c', 'echo to stderr >&2; false'] });
    expect([failed.code, failed.stderr.trim()]).toEqual([1, 'to stderr']);
  });

  it('answers a missing working directory like a sandbox of its own would: exit 1', async () => {
    fresh();
    const result = await run({ command: 'true', args: [], cwd: path.join(alpha, 'missing') });
    expect(result.code).toBe(1);
    expect((await run({ command: 'pwd', args: [] })).stdout.toString().trim()).toBe(alpha);
  });

  it('kills the whole sandbox at a deadline and at an answer over the limit; the next command gets a new one', async () => {
    fresh();
    const slow = await run({ command: 'sleep', args: ['30'], timeoutMs: 300 });
    expect(slow.timedOut).toBe(true);
    await expect(run({ command: 'head', args: ['-c', '2000', '/dev/zero'], maxOutputBytes: 1000 })).rejects.toThrow(/more than 1000 bytes/);
    expect((await run({ command: 'echo', args: ['again'] })).stdout.toString()).toBe('again\n');
    expect(launches).toBe(3);
  });

  it('cuts stdout at cutOutputAt: the first bytes, marked cut; an endless answer kills the sandbox, one that ends keeps it', async () => {
    fresh();
    const endless = await run({ command: 'yes', args: [], cutOutputAt: 100_000 });
    expect(endless).toMatchObject({ cut: true, code: null });
    expect(endless.stdout.toString()).toBe('y\n'.repeat(50_000));
    const ended = await run({ command: 'head', args: ['-c', '5000', '/dev/zero'], cutOutputAt: 1000 });
    expect(ended).toMatchObject({ cut: true, code: 0 });
    expect(ended.stdout).toEqual(Buffer.alloc(1000));
    const under = await run({ command: 'echo', args: ['short'], cutOutputAt: 1000 });
    expect(under.cut).toBeUndefined();
    expect(under.stdout.toString()).toBe('short\n');
    expect(launches).toBe(2);
  });

  it('leaves no process of a command running, so none can write into a later answer', async () => {
    fresh();
    await run({ command: 'sh', args: ['-c', '(sleep 2; echo late) & echo started'] });
    const ps = await run({ command: 'sh', args: ['-c', 'for p in /proc/[0-9]*; do cat $p/comm; done'] });
    expect(ps.stdout.toString()).not.toMatch(/sleep/);
  });

  it('binds a path a command needs by replacing an idle worker, and never shows another tenant', async () => {
    fresh();
    await run({ command: 'true', args: [] });
    const scratchWrite = await run({ command: 'sh', args: ['-c', `echo x > ${scratch}/f && cat ${beta}/secret.txt`], readWrite: [scratch] });
    expect(scratchWrite.stderr).toMatch(/No such file/);
    expect(launches).toBe(2);
    // The replacement binds both: the tenant's tree and the scratch directory.
    await run({ command: 'true', args: [] });
    expect(launches).toBe(2);
  });

  it('takes at most two commands at once per tenant; a third is left to a sandbox of its own', async () => {
    fresh();
    const a = run({ command: 'sleep', args: ['0.3'] });
    const b = run({ command: 'sleep', args: ['0.3'] });
    expect(workers.tryRun(place(), { command: 'true', args: [], cwd: alpha, timeoutMs: 1000, reusable: true }, { ...BASE_ENV })).toBeNull();
    expect(workers.tryRun(place(), { command: 'true', args: [], cwd: alpha, timeoutMs: 1000 }, { ...BASE_ENV })).toBeNull();
    expect((await Promise.all([a, b])).map((r) => r.code)).toEqual([0, 0]);
  });

  it('gives a worker back after it was idle', async () => {
    fresh(200);
    const first = await run({ command: 'sh', args: ['-c', 'echo $PPID'] });
    await new Promise((r) => setTimeout(r, 600));
    const second = await run({ command: 'sh', args: ['-c', 'echo $PPID'] });
    expect(launches).toBe(2);
    expect(second.code).toBe(0);
    expect(first.code).toBe(0);
  });

  it('refuses to run anywhere but under bubblewrap’s init, where kill -1 could reach other processes', async () => {
    // A PID namespace of its own, so that even a broken guard could not reach this machine's processes.
    const w = workerCommand();
    let worker!: SandboxWorker;
    const gone = new Promise<void>((resolve) => {
      worker = new SandboxWorker(
        { command: 'unshare', args: ['--pid', '--fork', '--mount-proc', w.command, ...w.args], env: { ...BASE_ENV } },
        ['/'],
        60_000,
        () => resolve(),
      );
    });
    const result = await worker.run({ command: 'true', args: [], cwd: '/', timeoutMs: 10_000 }, { ...BASE_ENV });
    await gone;
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/not in a PID namespace of its own/);
    workers = fresh();
  });
});
