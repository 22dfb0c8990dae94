/**
 * A tenant's hostile tasks against the sandbox's limits, through the real daemon, CLI and
 * sandbox with the scripted model: a fork storm, a memory hog and a /tmp filler (each stops by
 * itself) are stopped by AGENT_PIDS_MAX, AGENT_MEMORY_MAX and AGENT_TMP_SIZE; a sandbox whose
 * agent process itself is killed fails its task with RESOURCE_LIMIT. The same attacks as an unprivileged server (user namespaces,
 * rlimits) check what that mode guarantees: the process bound and the sized /tmp.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request } from '../helpers/client.js';
import { FILL_TMP, LIMITS_ENV, placeHogs, startHarness, toolOutput, type Harness } from './limits-harness.js';

describe('limits as root: cgroups per sandbox', () => {
  let model: ScriptedModel;
  let dir: string;
  let h: Harness;

  beforeAll(async () => {
    model = await startScriptedModel();
    dir = mkdtempSync(path.join(tmpdir(), 'ccs-limits-'));
    h = await startHarness(model, dir, LIMITS_ENV);
    placeHogs(h, 'alpha', 'repo');
    placeHogs(h, 'alpha', 'repo2');
    placeHogs(h, 'gamma', 'repo');
  }, 60_000);

  afterAll(async () => {
    await h?.daemon.stop('SIGTERM');
    await model?.close();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('reports the limits in force and their mechanism on /health', async () => {
    const { body } = await request(h.daemon.baseUrl, 'GET', '/health');
    expect(body.limits).toEqual({
      mechanism: 'cgroup1',
      enforced: ['memory', 'pids', 'tmp', 'cpu'],
      memory_max_bytes: 512 * 1024 ** 2,
      pids_max: 64,
      tmp_size_bytes: 32 * 1024 ** 2,
      cpu_weight: 100,
    });
    expect(h.daemon.stdout()).toMatch(/Agent limits: cgroup1 per sandbox/);
    // Where a tenant's CPU time can be read, busy tenants yield to light ones (cpu-fairness.ts).
    if (/ - cgroup cgroup \S*cpuacct/.test(readFileSync('/proc/self/mountinfo', 'utf8'))) {
      expect(h.daemon.stdout()).toMatch(/busy tenants yield CPU to the others/);
    }
  });

  it('stops a fork storm at AGENT_PIDS_MAX, and the agent goes on', async () => {
    const task = await h.run('alpha', 'storm-1', '[[script:bash]][[cmd:node limits-hogs.mjs storm 4000]]', 'repo');
    expect(task.status).toBe('completed');
    const events = await h.events('alpha', 'storm-1');
    const [, peak] = /STORM started=\d+ refused=\d+ peak=(\d+)/.exec(toolOutput(events)) ?? [];
    expect(Number(peak)).toBeGreaterThan(0);
    expect(Number(peak)).toBeLessThan(64);
    expect(events.find((e) => e.type === 'error')?.data).toMatchObject({
      code: 'RESOURCE_LIMIT',
      message: expect.stringContaining('process limit AGENT_PIDS_MAX=64 reached'),
    });
  }, 180_000);

  it('stops a 4 GiB memory hog at AGENT_MEMORY_MAX (the hog is killed, the agent goes on)', async () => {
    const task = await h.run('alpha', 'hog-1', '[[script:bash]][[cmd:node limits-hogs.mjs hog 4096; echo exit=$?]]', 'repo');
    expect(task.status).toBe('completed');
    const events = await h.events('alpha', 'hog-1');
    const output = toolOutput(events);
    expect(output).not.toContain('HOG-DONE');
    expect(output).toMatch(/exit=137|Killed/);
    expect(events.find((e) => e.type === 'error')?.data).toMatchObject({
      code: 'RESOURCE_LIMIT',
      message: expect.stringContaining('memory limit AGENT_MEMORY_MAX=512M reached'),
    });
  }, 180_000);

  it('stops a 2 GiB /tmp filler at AGENT_TMP_SIZE; /var/tmp is the same space and /dev is read-only', async () => {
    const task = await h.run(
      'alpha',
      'tmp-1',
      `[[script:bash]][[cmd:${FILL_TMP}; dd if=/dev/zero of=/var/tmp/more bs=1M count=40 2>&1 | tail -1; rm -f /var/tmp/more; touch /dev/shm/x /dev/x; echo done]]`,
      'repo',
    );
    expect(task.status).toBe('completed');
    const output = toolOutput(await h.events('alpha', 'tmp-1'));
    expect(output).toMatch(/No space left on device/);
    expectTmpFull(output);
    expect(output).toMatch(/bytes .* copied/);
    expect(output).not.toContain('41943040 bytes');
    expect(output).toMatch(/Read-only file system|Permission denied/);
  }, 180_000);

  it("runs the server's own commands in a tenant's sandbox (workspace checks, change tracking) under that tenant's limits", async () => {
    const task = await h.run('alpha', 'own-1', '[[script:write-file]] write the hello file', 'repo');
    expect(task.status).toBe('completed');
    expect(task.changed_files).toEqual([expect.objectContaining({ path: 'hello.txt', change: 'created' })]);
    // The tenant's worker sandboxes and workspace inspector outlive the task (they idle for minutes): every process of theirs is in a group of alpha's.
    const cpusetV1 = / - cgroup cgroup \S*cpuset/.test(readFileSync('/proc/self/mountinfo', 'utf8'));
    const helpers = descendants(h.daemon.child.pid!).map((pid) => ({ pid, cmdline: readProc(pid, 'cmdline') }));
    const workers = helpers.filter((p) => p.cmdline.includes('sandbox-worker')).map((p) => p.pid);
    const inspectors = helpers.filter((p) => p.cmdline.includes('holdsForeign')).map((p) => p.pid);
    expect(workers.length).toBeGreaterThan(0);
    expect(inspectors.length).toBeGreaterThan(0);
    for (const pid of [...workers, ...inspectors]) {
      const groups = readProc(pid, 'cgroup').split('\n');
      for (const controller of ['memory', 'pids']) {
        expect(groups.find((line) => line.split(':')[1] === controller)).toMatch(/\/ccs-\d+\/alpha\/[0-9a-f]+$/);
      }
      // A v1 cpuset hierarchy (this machine's): alpha's group there, which is narrowed while alpha yields.
      if (cpusetV1) expect(groups.find((line) => line.split(':')[1] === 'cpuset')).toMatch(/\/ccs-\d+\/alpha$/);
    }
  }, 180_000);

  it('fails the task with RESOURCE_LIMIT, naming the limit, when the limit kills the agent process itself', async () => {
    // 1 GiB of /tmp in a 300M sandbox: tmpfs pages count as the sandbox's memory and belong to no
    // process, so the OOM killer's largest process is the CLI.
    const task = await h.run('gamma', 'gamma-1', '[[script:bash]][[cmd:dd if=/dev/zero of=/tmp/fill bs=1M count=1024]]', 'repo');
    expect(task.status).toBe('failed');
    expect(task.error).toMatchObject({
      code: 'RESOURCE_LIMIT',
      message: expect.stringContaining("memory limit memory_max=300M (tenant gamma's limits in API_KEYS_FILE) reached"),
    });
  }, 180_000);
});

describe('limits as an unprivileged server: rlimits in a user namespace', () => {
  const UID = 65534;
  let model: ScriptedModel;
  let dir: string;
  let h: Harness;

  beforeAll(async () => {
    model = await startScriptedModel();
    dir = mkdtempSync(path.join(tmpdir(), 'ccs-limits-userns-'));
    h = await startHarness(model, dir, LIMITS_ENV, UID);
    placeHogs(h, 'alpha', 'repo', UID);
  }, 60_000);

  afterAll(async () => {
    await h?.daemon.stop('SIGTERM');
    await model?.close();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('says on /health that only the process bound and the /tmp size hold', async () => {
    const { body } = await request(h.daemon.baseUrl, 'GET', '/health');
    expect(body.limits).toMatchObject({ mechanism: 'rlimit', enforced: ['pids', 'tmp'], pids_max: 64, tmp_size_bytes: 32 * 1024 ** 2 });
    expect(h.daemon.stdout()).toMatch(/Agent limits: rlimits .*memory and CPU weight are NOT limited/);
  });

  it('stops a fork storm at AGENT_PIDS_MAX (RLIMIT_NPROC in the sandbox)', async () => {
    const task = await h.run('alpha', 'storm-u', '[[script:bash]][[cmd:node limits-hogs.mjs storm 4000]]', 'repo');
    expect(task.status).toBe('completed');
    const [, refused, peak] = /STORM started=\d+ refused=(\d+) peak=(\d+)/.exec(toolOutput(await h.events('alpha', 'storm-u'))) ?? [];
    expect(Number(refused)).toBeGreaterThan(0);
    expect(Number(peak)).toBeLessThan(64);
  }, 180_000);

  it('stops a 2 GiB /tmp filler at AGENT_TMP_SIZE, and /dev is read-only', async () => {
    const task = await h.run('alpha', 'tmp-u', `[[script:bash]][[cmd:${FILL_TMP}; touch /dev/shm/x /dev/x; echo done]]`, 'repo');
    expect(task.status).toBe('completed');
    const output = toolOutput(await h.events('alpha', 'tmp-u'));
    expect(output).toMatch(/No space left on device/);
    expectTmpFull(output);
    expect(output).toMatch(/Read-only file system/);
  }, 180_000);
});

/**
 * The filler stopped at the 32M /tmp: its file holds all of it but the few pages the agent's own
 * temporary files (the CLI's per-command scratch files) already took.
 */
function expectTmpFull(output: string): void {
  const size = Number(/ (\d+) [A-Z][a-z]{2} [ \d]\d .*\/tmp\/fill/.exec(output)?.[1] ?? NaN);
  expect(size, output).toBeGreaterThan(32 * 1024 * 1024 - 256 * 1024);
  expect(size, output).toBeLessThanOrEqual(32 * 1024 * 1024);
}

function readProc(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

/** Every live process below `root`, by the parent pids in /proc. */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    // The parent is the field after the command name, which may itself hold spaces and parentheses.
    const stat = readProc(pid, 'stat');
    parentOf.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const found: number[] = [];
  const below = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, parent] of parentOf) {
      if (below.has(parent) && !below.has(pid)) {
        below.add(pid);
        found.push(pid);
        grew = true;
      }
    }
  }
  return found;
}
