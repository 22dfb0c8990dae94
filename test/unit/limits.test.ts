import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { parseSize, formatSize } from '../../src/agent/isolation/limits/size.js';
import { findCgroupLayout } from '../../src/agent/isolation/limits/cgroup-layout.js';
import { CgroupV1, cpuShares } from '../../src/agent/isolation/limits/cgroup-v1.js';
import { CgroupV2, SERVER_LEAF } from '../../src/agent/isolation/limits/cgroup-v2.js';
import { ProcessLimits, ENTER_GROUPS_SCRIPT } from '../../src/agent/isolation/limits/process-limits.js';
import { AGENTS_WEIGHT, DEFAULT_LIMITS, LimitPolicy, tenantCpuQuota } from '../../src/agent/isolation/limits/resource-limits.js';
import { SandboxLimits } from '../../src/agent/isolation/limits/sandbox-limits.js';
import { loadKeysFile } from '../../src/tenancy/keys-file.js';

const LIMITS = { memoryMax: 256 * 1024 ** 2, pidsMax: 64, tmpSize: 32 * 1024 ** 2, cpuWeight: 50 };
const read = (file: string) => readFileSync(file, 'utf8').trim();

describe('sizes', () => {
  it('parses bytes and binary suffixes, and refuses the rest', () => {
    expect(parseSize('1048576')).toBe(1024 ** 2);
    expect(parseSize('512M')).toBe(512 * 1024 ** 2);
    expect(parseSize('2G')).toBe(2 * 1024 ** 3);
    expect(parseSize('64k')).toBe(64 * 1024);
    expect(parseSize('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('256MiB')).toBe(256 * 1024 ** 2);
    for (const bad of ['', 'lots', '-1M', '2X', '0', 'M']) expect(parseSize(bad), bad).toBeNull();
  });

  it('formats a size in its shortest exact form', () => {
    expect(formatSize(2 * 1024 ** 3)).toBe('2G');
    expect(formatSize(300 * 1024 ** 2)).toBe('300M');
    expect(formatSize(1000)).toBe('1000');
  });
});

describe('limit configuration', () => {
  const base = { CLAUDE_API_KEY: 'k' };

  it('has the documented defaults and reads AGENT_* variables', () => {
    expect(loadConfig(base).limits).toEqual(DEFAULT_LIMITS);
    expect(loadConfig({ ...base, AGENT_MEMORY_MAX: '512M', AGENT_PIDS_MAX: '128', AGENT_TMP_SIZE: '1G', AGENT_CPU_WEIGHT: '300' }).limits).toEqual({
      memoryMax: 512 * 1024 ** 2,
      pidsMax: 128,
      tmpSize: 1024 ** 3,
      cpuWeight: 300,
    });
  });

  it('reports every bad value in one line each', () => {
    expect(() => loadConfig({ ...base, AGENT_MEMORY_MAX: 'lots', AGENT_PIDS_MAX: '2', AGENT_CPU_WEIGHT: '20000', AGENT_TMP_SIZE: '1' })).toThrow(
      /AGENT_MEMORY_MAX must be 1M or more.*\n.*AGENT_PIDS_MAX must be an integer between 8 and.*\n.*AGENT_TMP_SIZE must be 64K or more.*\n.*AGENT_CPU_WEIGHT must be an integer between 1 and 10000/,
    );
  });

  it("takes a tenant's overrides from the keys file, and names them in breach messages", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccs-limits-keys-'));
    const file = path.join(dir, 'keys.yaml');
    const hash = 'a'.repeat(64);
    writeFileSync(file, `tenants:\n  - id: big\n    key_sha256: [${hash}]\n    limits: { memory_max: 4G, pids_max: 1024, cpu_weight: 200 }\n`);
    const { tenants, problems } = loadKeysFile(file);
    expect(problems).toEqual([]);
    expect(tenants[0]!.limits).toEqual({ memoryMax: 4 * 1024 ** 3, pidsMax: 1024, cpuWeight: 200 });
    const policy = new LimitPolicy(DEFAULT_LIMITS, new Map([['big', tenants[0]!.limits!]]));
    expect(policy.of('big')).toEqual({ ...DEFAULT_LIMITS, memoryMax: 4 * 1024 ** 3, pidsMax: 1024, cpuWeight: 200 });
    expect(policy.describe('memoryMax', 'big')).toBe("memory limit memory_max=4G (tenant big's limits in API_KEYS_FILE)");
    expect(policy.describe('tmpSize', 'big')).toBe('/tmp size AGENT_TMP_SIZE=256M');

    writeFileSync(file, `tenants:\n  - id: bad\n    key_sha256: [${hash}]\n    limits: { memory_max: huge, swap: 1G }\n`);
    expect(loadKeysFile(file).problems.join('\n')).toMatch(/limits.*swap/);
    writeFileSync(file, `tenants:\n  - id: bad\n    key_sha256: [${hash}]\n    limits: { memory_max: huge }\n`);
    expect(loadKeysFile(file).problems).toEqual(['API_KEYS_FILE: tenant "bad" limits.memory_max must be 1M or more, e.g. 512M or 2G (got "huge")']);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('cgroup layout', () => {
  const hybridMounts = [
    '31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
    '34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
    '38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
    '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  ].join('\n');

  it('finds v1 memory, pids and cpu on a hybrid host (its cgroup2 has no controllers)', () => {
    const own = '0::/\n4:memory:/process_api/abc\n8:pids:/\n1:cpu:/';
    expect(findCgroupLayout(own, hybridMounts, () => [])).toEqual({
      version: 1,
      memory: '/sys/fs/cgroup/memory/process_api/abc',
      pids: '/sys/fs/cgroup/pids',
      cpu: '/sys/fs/cgroup/cpu',
      cpuacct: null,
      cpuset: null,
    });
    const withCpuset = `${hybridMounts}\n33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset`;
    expect(findCgroupLayout(`${own}\n6:cpuset:/`, withCpuset, () => [])).toMatchObject({ cpuset: '/sys/fs/cgroup/cpuset' });
  });

  it('finds cpuacct on its own mount, or in the cpu directory when mounted together', () => {
    const apart = `${hybridMounts}\n32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct`;
    const own = '0::/\n4:memory:/\n8:pids:/\n1:cpu:/\n2:cpuacct:/';
    expect(findCgroupLayout(own, apart, () => [])).toMatchObject({ cpu: '/sys/fs/cgroup/cpu', cpuacct: '/sys/fs/cgroup/cpuacct' });
    const together = hybridMounts.replace(
      '/sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
      '/sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
    );
    expect(findCgroupLayout('0::/\n4:memory:/\n8:pids:/\n1:cpu,cpuacct:/', together, () => [])).toMatchObject({
      cpu: '/sys/fs/cgroup/cpu,cpuacct',
      cpuacct: '/sys/fs/cgroup/cpu,cpuacct',
    });
  });

  it('prefers v2 when the unified hierarchy offers memory and pids, inside a container whose mount root is a subtree', () => {
    const mounts = '29 23 0:26 /docker/xyz /sys/fs/cgroup rw - cgroup2 cgroup2 rw';
    expect(findCgroupLayout('0::/docker/xyz/app', mounts, () => ['cpu', 'memory', 'pids'])).toEqual({ version: 2, dir: '/sys/fs/cgroup/app' });
    expect(findCgroupLayout('0::/docker/xyz', mounts, () => ['cpu'])).toBeNull();
  });
});

describe("a tenant's CPU quota", () => {
  it('is every core but one, and never under three quarters of the machine (10 ms periods)', () => {
    expect(tenantCpuQuota(1)).toEqual({ quota: 10_000, period: 10_000 });
    expect(tenantCpuQuota(2)).toEqual({ quota: 15_000, period: 10_000 });
    expect(tenantCpuQuota(4)).toEqual({ quota: 30_000, period: 10_000 });
    expect(tenantCpuQuota(16)).toEqual({ quota: 150_000, period: 10_000 });
  });
});

describe('cgroup drivers against a directory standing in for /sys/fs/cgroup', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'ccs-cgroupfs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('v1: a parent per server, a group per process in each hierarchy, stale parents of dead servers removed', () => {
    const dirs = { memory: path.join(root, 'memory'), pids: path.join(root, 'pids'), cpu: path.join(root, 'cpu') };
    for (const dir of Object.values(dirs)) mkdirSync(path.join(dir, 'ccs-999999', 'old', 'proc'), { recursive: true });
    mkdirSync(path.join(dirs.memory, 'ccs-4242'), { recursive: true });
    const driver = new CgroupV1({ version: 1, ...dirs }, 4242, (pid) => pid !== 999999, 4);
    driver.init();
    for (const dir of Object.values(dirs)) {
      expect(() => read(path.join(dir, 'ccs-999999', 'cgroup.procs'))).toThrow();
    }
    const group = driver.create('alpha', 'p1', LIMITS);
    expect(read(path.join(dirs.memory, 'ccs-4242/alpha/p1/memory.limit_in_bytes'))).toBe(String(LIMITS.memoryMax));
    expect(read(path.join(dirs.pids, 'ccs-4242/alpha/p1/pids.max'))).toBe('64');
    expect(read(path.join(dirs.cpu, 'ccs-4242/cpu.shares'))).toBe(String(cpuShares(AGENTS_WEIGHT)));
    expect(read(path.join(dirs.cpu, 'ccs-4242/alpha/cpu.shares'))).toBe(String(cpuShares(50)));
    expect(read(path.join(dirs.cpu, 'ccs-4242/alpha/cpu.cfs_quota_us'))).toBe('30000');
    expect(read(path.join(dirs.cpu, 'ccs-4242/alpha/cpu.cfs_period_us'))).toBe('10000');
    expect(cpuShares(100)).toBe(1024);
    expect(group.procsFiles).toEqual(['memory', 'pids', 'cpu'].map((c) => path.join(root, c, 'ccs-4242/alpha/p1/cgroup.procs')));

    writeFileSync(path.join(dirs.memory, 'ccs-4242/alpha/p1/memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
    writeFileSync(path.join(dirs.pids, 'ccs-4242/alpha/p1/pids.events'), 'max 17\n');
    expect(group.counters()).toEqual({ oomKills: 2, pidsRefused: 17 });
  });

  it('v2: moves the processes of its own group to a leaf before it enables controllers, then limits each process', () => {
    const own = path.join(root, 'app');
    mkdirSync(own);
    writeFileSync(path.join(own, 'cgroup.controllers'), 'cpu memory pids\n');
    writeFileSync(path.join(own, 'cgroup.procs'), '1\n77\n');
    // A directory in place of the file: the first write fails as the kernel's EBUSY would.
    mkdirSync(path.join(own, 'cgroup.subtree_control'));
    const driver = new CgroupV2(own, 4242, () => true, 2);
    expect(() => driver.init()).toThrow();
    expect(read(path.join(own, SERVER_LEAF, 'cgroup.procs'))).toBe('77');

    rmSync(path.join(own, 'cgroup.subtree_control'), { recursive: true });
    driver.init();
    expect(read(path.join(own, 'cgroup.subtree_control'))).toBe('+memory +pids +cpu');
    const group = driver.create('beta', 'p2', LIMITS);
    const dir = path.join(own, 'ccs-4242', 'beta', 'p2');
    expect(read(path.join(dir, 'memory.max'))).toBe(String(LIMITS.memoryMax));
    expect(read(path.join(dir, 'pids.max'))).toBe('64');
    expect(read(path.join(own, 'ccs-4242', 'cpu.weight'))).toBe(String(AGENTS_WEIGHT));
    expect(read(path.join(own, 'ccs-4242', 'beta', 'cpu.weight'))).toBe('50');
    expect(read(path.join(own, 'ccs-4242', 'beta', 'cpu.max'))).toBe('15000 10000');
    writeFileSync(path.join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 40\noom 1\noom_kill 1\n');
    writeFileSync(path.join(dir, 'pids.events'), 'max 0\n');
    expect(group.counters()).toEqual({ oomKills: 1, pidsRefused: 0 });
  });

  it("a server started inside the previous one's leaf works in the group above it", () => {
    const own = path.join(root, 'app', SERVER_LEAF);
    mkdirSync(own, { recursive: true });
    writeFileSync(path.join(root, 'app', 'cgroup.controllers'), 'memory pids\n');
    writeFileSync(path.join(root, 'app', 'cgroup.subtree_control'), 'memory pids\n');
    const driver = new CgroupV2(own, 7, () => true, 2);
    driver.init();
    driver.create('default', 'p', LIMITS);
    expect(read(path.join(root, 'app', 'ccs-7', 'default', 'p', 'pids.max'))).toBe('64');
  });
});

describe('one process: the launch wrappers and what struck', () => {
  const policy = new LimitPolicy({ ...DEFAULT_LIMITS, pidsMax: 64 });
  let counters = { oomKills: 0, pidsRefused: 0 };
  const group = {
    procsFiles: ['/cg/memory/p/cgroup.procs', '/cg/pids/p/cgroup.procs'],
    counters: () => counters,
    memoryBytes: () => 123 << 20,
    remove: () => true,
  };

  it('joins the groups before bwrap starts, and sets RLIMIT_NPROC inside the sandbox in rlimit mode', () => {
    const withGroup = new ProcessLimits('alpha', policy.of('alpha'), policy, group, null);
    expect(withGroup.outside({ command: '/usr/bin/bwrap', args: ['--x'] })).toEqual({
      command: '/bin/sh',
      args: ['-c', ENTER_GROUPS_SCRIPT, 'ccs-enter', ...group.procsFiles, '--', '/usr/bin/bwrap', '--x'],
    });
    expect(withGroup.inside({ command: 'claude', args: [] })).toEqual({ command: 'claude', args: [] });
    // Memory is the group's counter, not a walk of the tenant's process tree.
    expect(withGroup.memoryBytes()).toBe(123 << 20);
    const withRlimit = new ProcessLimits('alpha', policy.of('alpha'), policy, null, '/usr/bin/prlimit');
    expect(withRlimit.inside({ command: 'claude', args: ['-p'] })).toEqual({ command: '/usr/bin/prlimit', args: ['--nproc=64:64', '--', 'claude', '-p'] });
    expect(withRlimit.outside({ command: 'bwrap', args: [] })).toEqual({ command: 'bwrap', args: [] });
  });

  it('names the limit that struck since a baseline, and keeps the last counters once the group is gone', () => {
    counters = { oomKills: 1, pidsRefused: 0 };
    const limits = new ProcessLimits('alpha', policy.of('alpha'), policy, group, null);
    const before = limits.counters();
    expect(limits.breachSince(before)).toBeNull();
    counters = { oomKills: 2, pidsRefused: 5 };
    const breach = limits.breachSince(before);
    expect(breach?.code).toBe('RESOURCE_LIMIT');
    expect(breach?.message).toMatch(
      /^memory limit AGENT_MEMORY_MAX=2G reached: the kernel killed 1 process .*; process limit AGENT_PIDS_MAX=64 reached: 5 new processes were refused/,
    );
    limits.dispose();
    counters = { oomKills: 0, pidsRefused: 0 };
    expect(limits.counters()).toEqual({ oomKills: 2, pidsRefused: 5 });
  });
});

describe('choosing the mechanism', () => {
  const policy = new LimitPolicy(DEFAULT_LIMITS);

  it('is none without a sandbox, rlimit without root, and cgroups as root when they can be written', () => {
    expect(SandboxLimits.start(policy, { isolation: 'none', isRoot: true }).report()).toMatchObject({ mechanism: 'none', enforced: [] });
    expect(SandboxLimits.start(policy, { isolation: 'bwrap', isRoot: false, prlimit: '/usr/bin/prlimit' }).report()).toMatchObject({
      mechanism: 'rlimit',
      enforced: ['pids', 'tmp'],
    });
    const unwritable = SandboxLimits.start(policy, {
      isolation: 'bwrap',
      isRoot: true,
      prlimit: '/usr/bin/prlimit',
      cgroupLayout: () => ({ version: 1, memory: '/dev/null/memory', pids: '/dev/null/pids', cpu: null }),
    });
    expect(unwritable.mechanism).toBe('rlimit');
    expect(unwritable.summary).toMatch(/cgroups are not writable here/);
    const root = mkdtempSync(path.join(tmpdir(), 'ccs-cgroupfs-'));
    const layout = { version: 1 as const, memory: path.join(root, 'memory'), pids: path.join(root, 'pids'), cpu: null };
    const cgroups = SandboxLimits.start(policy, { isolation: 'bwrap', isRoot: true, cgroupLayout: () => layout });
    // Without a cpu hierarchy there is no CPU weight to enforce.
    expect(cgroups.report()).toEqual({
      mechanism: 'cgroup1',
      enforced: ['memory', 'pids', 'tmp'],
      memory_max_bytes: DEFAULT_LIMITS.memoryMax,
      pids_max: 512,
      tmp_size_bytes: 256 * 1024 ** 2,
      cpu_weight: 100,
    });
    rmSync(root, { recursive: true, force: true });
  });
});
