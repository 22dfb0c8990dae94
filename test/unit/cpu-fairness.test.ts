import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CgroupV1, cpuShares } from '../../src/agent/isolation/limits/cgroup-v1.js';
import { CgroupV2 } from '../../src/agent/isolation/limits/cgroup-v2.js';
import { CpuFairness, cpuFairnessOptions, yieldingWeight, type TenantCpuControl, type TenantCpuUsage } from '../../src/agent/isolation/limits/cpu-fairness.js';
import { DEFAULT_LIMITS, LimitPolicy } from '../../src/agent/isolation/limits/resource-limits.js';
import { SandboxLimits } from '../../src/agent/isolation/limits/sandbox-limits.js';

/** Usage a test moves by hand, and the weights the loop asked for. */
class FakeControl implements TenantCpuControl {
  readonly measuresUsage = true;
  readonly usage = new Map<string, number>();
  readonly calls: string[] = [];
  /** Adds `cores` of use over `ms`. */
  use(tenant: string, cores: number, ms: number): void {
    this.usage.set(tenant, (this.usage.get(tenant) ?? 0) + cores * ms * 1000);
  }
  cpuUsage(): TenantCpuUsage[] {
    return [...this.usage].map(([tenant, usageUs]) => ({ tenant, usageUs }));
  }
  setYielding(tenant: string, yielding: boolean): void {
    this.calls.push(`${tenant}:${yielding}`);
  }
}

describe('CPU fairness: busy tenants yield to light ones', () => {
  const options = cpuFairnessOptions(2);
  const { holdMs, intervalMs } = options;

  it('busy means half the machine, at least one core', () => {
    expect(cpuFairnessOptions(2)).toMatchObject({ busyCores: 1, stillBusyCores: 0.5 });
    expect(cpuFairnessOptions(1).busyCores).toBe(1);
    expect(cpuFairnessOptions(16).busyCores).toBe(8);
  });

  it('makes a tenant that used a busy share over a window yield, and gives its weight back once it has been below that for the hold time', () => {
    const control = new FakeControl();
    const changes: string[] = [];
    const fairness = new CpuFairness(control, (tenant, yielding) => changes.push(`${tenant}:${yielding}`), options);
    control.use('alpha', 0, 0);
    control.use('beta', 0, 0);
    fairness.tick(0);
    control.use('alpha', 1.2, intervalMs); // a storm keeping more than a core busy
    control.use('beta', 0.9, intervalMs); // busy, but under half the machine
    fairness.tick(intervalMs);
    expect(control.calls).toEqual(['alpha:true']);
    expect(fairness.yielding()).toEqual(['alpha']);
    // Still busy, though it gets less now: the hold is renewed, nothing is written again.
    control.use('alpha', 0.6, intervalMs);
    fairness.tick(2 * intervalMs);
    // Light now (under a quarter of the machine), but not yet for the whole hold time.
    control.use('alpha', 0.4, holdMs - 1);
    fairness.tick(2 * intervalMs + holdMs - 1);
    expect(fairness.yielding()).toEqual(['alpha']);
    control.use('alpha', 0.4, 1);
    fairness.tick(2 * intervalMs + holdMs);
    expect(control.calls).toEqual(['alpha:true', 'alpha:false']);
    expect(changes).toEqual(control.calls);
    expect(fairness.yielding()).toEqual([]);
  });

  it('judges the real window, not the interval: a late tick does not make a light tenant look busy', () => {
    const control = new FakeControl();
    const fairness = new CpuFairness(control, undefined, options);
    control.use('gamma', 3, 60_000); // its whole history: no window yet
    fairness.tick(0);
    control.use('gamma', 0.6, 3 * intervalMs); // the timer ran three intervals late
    fairness.tick(3 * intervalMs);
    expect(control.calls).toEqual([]);
    control.use('gamma', 1, intervalMs);
    fairness.tick(4 * intervalMs);
    expect(control.calls).toEqual(['gamma:true']);
  });

  it('reads usage on its own timer once started, and not after it is stopped', () => {
    vi.useFakeTimers();
    try {
      const control = new FakeControl();
      const fairness = new CpuFairness(control, undefined, options);
      control.use('alpha', 0, 0);
      fairness.start();
      vi.advanceTimersByTime(intervalMs);
      control.use('alpha', 2, intervalMs);
      vi.advanceTimersByTime(intervalMs);
      expect(control.calls).toEqual(['alpha:true']);
      fairness.stop();
      control.use('alpha', 0, 10 * holdMs);
      vi.advanceTimersByTime(10 * holdMs);
      expect(control.calls).toEqual(['alpha:true']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('divides the configured weight by ten, never below 1', () => {
    expect(yieldingWeight(100)).toBe(10);
    expect(yieldingWeight(250)).toBe(25);
    expect(yieldingWeight(4)).toBe(1);
  });
});

describe("the drivers' tenant CPU groups (a directory standing in for /sys/fs/cgroup)", () => {
  let root: string;
  const LIMITS = { ...DEFAULT_LIMITS, cpuWeight: 200 };
  const read = (file: string) => readFileSync(file, 'utf8').trim();
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'ccs-cgroupfs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('v1 with cpuacct on its own: processes join the tenant there, usage is read there, cpu.shares is written, and a new sandbox of a yielding tenant does not give its weight back', () => {
    const dirs = { memory: path.join(root, 'memory'), pids: path.join(root, 'pids'), cpu: path.join(root, 'cpu'), cpuacct: path.join(root, 'cpuacct') };
    mkdirSync(path.join(dirs.cpuacct, 'ccs-999999', 'alpha'), { recursive: true });
    const driver = new CgroupV1({ version: 1, ...dirs }, 31, (pid) => pid !== 999999, 2);
    driver.init();
    expect(existsSync(path.join(dirs.cpuacct, 'ccs-999999'))).toBe(false);
    const group = driver.create('alpha', 'p1', LIMITS);
    expect(group.procsFiles).toContain(path.join(dirs.cpuacct, 'ccs-31', 'alpha', 'cgroup.procs'));
    const tenantDir = path.join(dirs.cpu, 'ccs-31', 'alpha');
    writeFileSync(path.join(dirs.cpuacct, 'ccs-31', 'alpha', 'cpuacct.usage'), '2500000000\n');
    const control = driver.cpuControl()!;
    expect(control.measuresUsage).toBe(true);
    expect(control.cpuUsage()).toEqual([{ tenant: 'alpha', usageUs: 2_500_000 }]);
    // Never yielded: cpu.idle is left as the kernel made it.
    expect(existsSync(path.join(tenantDir, 'cpu.idle'))).toBe(false);
    control.setYielding('alpha', true);
    expect(read(path.join(tenantDir, 'cpu.shares'))).toBe(String(cpuShares(20)));
    expect(read(path.join(tenantDir, 'cpu.idle'))).toBe('1');
    driver.create('alpha', 'p2', LIMITS);
    expect(read(path.join(tenantDir, 'cpu.shares'))).toBe(String(cpuShares(20)));
    expect(read(path.join(tenantDir, 'cpu.idle'))).toBe('1');
    control.setYielding('alpha', false);
    expect(read(path.join(tenantDir, 'cpu.shares'))).toBe(String(cpuShares(200)));
    expect(read(path.join(tenantDir, 'cpu.idle'))).toBe('0');
  });

  it("makes the agents' parent group idle-class while any tenant yields, and gives it back when the last one stops", () => {
    const dirs = { memory: path.join(root, 'memory'), pids: path.join(root, 'pids'), cpu: path.join(root, 'cpu'), cpuacct: null };
    const driver = new CgroupV1({ version: 1, ...dirs }, 41, () => true, 2);
    driver.init();
    driver.create('alpha', 'p1', LIMITS);
    driver.create('beta', 'p1', LIMITS);
    const agentsIdle = path.join(dirs.cpu, 'ccs-41', 'cpu.idle');
    const control = driver.cpuControl()!;
    // Never yielded: left as the kernel made it.
    expect(existsSync(agentsIdle)).toBe(false);
    control.setYielding('alpha', true);
    expect(read(agentsIdle)).toBe('1');
    control.setYielding('beta', true);
    control.setYielding('alpha', false);
    expect(read(agentsIdle)).toBe('1');
    control.setYielding('beta', false);
    expect(read(agentsIdle)).toBe('0');
  });

  it('v1 with cpuacct mounted with cpu reads usage in the cpu groups; without cpuacct, weights hold but usage is not measured; without cpu, no CPU control', () => {
    const base = { memory: path.join(root, 'memory'), pids: path.join(root, 'pids') };
    const cpu = path.join(root, 'cpu,cpuacct');
    const together = new CgroupV1({ version: 1, ...base, cpu, cpuacct: cpu }, 31, () => true, 2);
    together.init();
    const group = together.create('alpha', 'p1', LIMITS);
    expect(group.procsFiles).toHaveLength(3);
    writeFileSync(path.join(cpu, 'ccs-31', 'alpha', 'cpuacct.usage'), '7000\n');
    expect(together.cpuControl()!.cpuUsage()).toEqual([{ tenant: 'alpha', usageUs: 7 }]);

    const unmeasured = new CgroupV1({ version: 1, ...base, cpu: path.join(root, 'cpu') }, 32, () => true, 2);
    unmeasured.init();
    expect(unmeasured.cpuControl()!.measuresUsage).toBe(false);

    const driver = new CgroupV1({ version: 1, ...base, cpu: null }, 33, () => true, 2);
    driver.init();
    expect(driver.cpuControl()).toBeNull();
  });

  it('v2: reads cpu.stat per tenant and writes cpu.weight; without the cpu controller, no CPU control', () => {
    const own = path.join(root, 'app');
    mkdirSync(own);
    writeFileSync(path.join(own, 'cgroup.controllers'), 'cpu memory pids\n');
    const driver = new CgroupV2(own, 32, () => true, 2);
    driver.init();
    driver.create('beta', 'p1', LIMITS);
    const tenantDir = path.join(own, 'ccs-32', 'beta');
    writeFileSync(path.join(tenantDir, 'cpu.stat'), 'usage_usec 5\nuser_usec 4\nsystem_usec 1\nnr_periods 7\n');
    const control = driver.cpuControl()!;
    expect(control.cpuUsage()).toEqual([{ tenant: 'beta', usageUs: 5 }]);
    control.setYielding('beta', true);
    expect(read(path.join(tenantDir, 'cpu.weight'))).toBe('20');
    expect(read(path.join(tenantDir, 'cpu.idle'))).toBe('1');
    expect(read(path.join(own, 'ccs-32', 'cpu.idle'))).toBe('1');
    control.setYielding('beta', false);
    expect(read(path.join(own, 'ccs-32', 'cpu.idle'))).toBe('0');

    const bare = path.join(root, 'bare');
    mkdirSync(bare);
    writeFileSync(path.join(bare, 'cgroup.controllers'), 'memory pids\n');
    const withoutCpu = new CgroupV2(bare, 33, () => true, 2);
    withoutCpu.init();
    expect(withoutCpu.cpuControl()).toBeNull();
  });

  it('SandboxLimits reports the CPU weight as enforced where the driver controls CPU, and says so when busy tenants yield', () => {
    const base = { version: 1 as const, memory: path.join(root, 'memory'), pids: path.join(root, 'pids'), cpu: path.join(root, 'cpu') };
    const weighed = SandboxLimits.start(new LimitPolicy(DEFAULT_LIMITS), { isolation: 'bwrap', isRoot: true, cgroupLayout: () => base });
    expect(weighed.report().enforced).toEqual(['memory', 'pids', 'tmp', 'cpu']);
    expect(weighed.summary).not.toMatch(/yield/);
    weighed.close();
    const fair = SandboxLimits.start(new LimitPolicy(DEFAULT_LIMITS), {
      isolation: 'bwrap',
      isRoot: true,
      cgroupLayout: () => ({ ...base, cpuacct: base.cpu }),
    });
    expect(fair.summary).toMatch(/busy tenants yield CPU to the others/);
    fair.close();
  });
});
