import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CgroupV1 } from '../../src/agent/isolation/limits/cgroup-v1.js';
import { CgroupV2 } from '../../src/agent/isolation/limits/cgroup-v2.js';
import { DEFAULT_LIMITS } from '../../src/agent/isolation/limits/resource-limits.js';
import { parseCpuList, yieldingCpus } from '../../src/agent/isolation/limits/tenant-cpusets.js';

describe('CPU lists', () => {
  it('reads ranges and single CPUs, and refuses what is not a list', () => {
    expect(parseCpuList('0-3,8,10-11\n')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(parseCpuList('5')).toEqual([5]);
    expect(parseCpuList('')).toEqual([]);
    expect(parseCpuList('0-x')).toEqual([]);
  });

  it('keeps the first CPU free of a yielding tenant, and nothing on a single CPU', () => {
    expect(yieldingCpus([0, 1])).toBe('1');
    expect(yieldingCpus([2, 4, 5])).toBe('4,5');
    expect(yieldingCpus([3])).toBeNull();
  });
});

describe('a yielding tenant is kept off one CPU (a directory standing in for /sys/fs/cgroup)', () => {
  let root: string;
  const read = (file: string) => readFileSync(file, 'utf8').trim();
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'ccs-cpuset-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function v1(cpuset: string, cpus = '0-1'): CgroupV1 {
    mkdirSync(cpuset, { recursive: true });
    writeFileSync(path.join(cpuset, 'cpuset.cpus'), `${cpus}\n`);
    writeFileSync(path.join(cpuset, 'cpuset.mems'), '0\n');
    const dirs = { memory: path.join(root, 'memory'), pids: path.join(root, 'pids'), cpu: path.join(root, 'cpu'), cpuacct: null, cpuset };
    const driver = new CgroupV1({ version: 1, ...dirs }, 51, () => true, 2);
    driver.init();
    return driver;
  }

  it("v1: the tenant's processes join its cpuset group, which starts with every CPU and memory node of the parent", () => {
    const cpuset = path.join(root, 'cpuset');
    const group = v1(cpuset).create('alpha', 'p1', DEFAULT_LIMITS);
    const tenant = path.join(cpuset, 'ccs-51', 'alpha');
    expect(group.procsFiles).toContain(path.join(tenant, 'cgroup.procs'));
    expect(read(path.join(cpuset, 'ccs-51', 'cpuset.cpus'))).toBe('0-1');
    expect(read(path.join(tenant, 'cpuset.cpus'))).toBe('0-1');
    expect(read(path.join(tenant, 'cpuset.mems'))).toBe('0');
  });

  it('v1: yielding narrows the CPUs once there is another tenant, and stopping gives them back', () => {
    const cpuset = path.join(root, 'cpuset');
    const driver = v1(cpuset, '0-3');
    driver.create('alpha', 'p1', DEFAULT_LIMITS);
    const control = driver.cpuControl()!;
    const alpha = path.join(cpuset, 'ccs-51', 'alpha', 'cpuset.cpus');
    // Alone, there is nobody to keep a CPU free for.
    control.setYielding('alpha', true);
    expect(read(alpha)).toBe('0-3');
    // The fairness loop knows a tenant only once its group exists; a new one never starts yielding.
    driver.create('beta', 'p1', DEFAULT_LIMITS);
    expect(read(path.join(cpuset, 'ccs-51', 'beta', 'cpuset.cpus'))).toBe('0-3');
    expect(read(alpha)).toBe('1,2,3');
    control.setYielding('alpha', false);
    expect(read(alpha)).toBe('0-3');
    control.setYielding('alpha', true);
    expect(read(alpha)).toBe('1,2,3');
  });

  it('v1: without a usable cpuset parent (no CPUs to copy) every other limit still holds and no process joins a cpuset group', () => {
    const cpuset = path.join(root, 'cpuset');
    const driver = v1(cpuset, '');
    const group = driver.create('alpha', 'p1', DEFAULT_LIMITS);
    expect(group.procsFiles.some((file) => file.startsWith(cpuset))).toBe(false);
    expect(existsSync(path.join(cpuset, 'ccs-51'))).toBe(false);
    driver.create('beta', 'p1', DEFAULT_LIMITS);
    driver.cpuControl()!.setYielding('alpha', true);
    expect(existsSync(path.join(cpuset, 'ccs-51', 'alpha'))).toBe(false);
  });

  it("v2: cpuset is enabled where delegated; yielding writes the tenant's CPUs and stopping hands them back to the parent's", () => {
    const own = path.join(root, 'app');
    mkdirSync(own);
    writeFileSync(path.join(own, 'cgroup.controllers'), 'cpuset cpu memory pids\n');
    const driver = new CgroupV2(own, 52, () => true, 2);
    // What the kernel would show in the parent once cpuset is enabled above it.
    mkdirSync(path.join(own, 'ccs-52'));
    writeFileSync(path.join(own, 'ccs-52', 'cpuset.cpus.effective'), '0-1\n');
    driver.init();
    expect(read(path.join(own, 'cgroup.subtree_control'))).toMatch(/\+cpuset/);
    driver.create('alpha', 'p1', DEFAULT_LIMITS);
    driver.create('beta', 'p1', DEFAULT_LIMITS);
    const beta = path.join(own, 'ccs-52', 'beta', 'cpuset.cpus');
    expect(existsSync(beta)).toBe(false);
    const control = driver.cpuControl()!;
    control.setYielding('beta', true);
    expect(read(beta)).toBe('1');
    control.setYielding('beta', false);
    expect(read(beta)).toBe('');
  });
});
