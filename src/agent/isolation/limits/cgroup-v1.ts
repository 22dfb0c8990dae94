import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import {
  makeDir,
  parentName,
  readKeyed,
  readLine,
  readNumber,
  removeGroupTree,
  removeStaleParents,
  tryWrite,
  write,
  type CgroupDriver,
  type LimitCounters,
  type SandboxGroup,
  TenantCpuGroups,
} from './cgroup-group.js';
import type { CgroupLayout } from './cgroup-layout.js';
import type { TenantCpuControl } from './cpu-fairness.js';
import { AGENTS_WEIGHT, tenantCpuQuota, type ResourceLimits } from './resource-limits.js';
import { parseCpuList, TenantCpusets } from './tenant-cpusets.js';

type V1Layout = Extract<CgroupLayout, { version: 1 }>;

/**
 * cgroup v1 (hybrid hosts): memory and pids hierarchies (and cpu for the weight, when mounted).
 * Every hierarchy gets `<server's own group>/ccs-<pid>/<tenant>/<sandbox>`; v1 has no rule
 * against processes in inner groups, so the server stays where it is. A cpuacct hierarchy of its
 * own (not mounted with cpu) only measures a tenant's CPU time: its processes join the tenant's
 * group there directly, as they join it in the cpuset hierarchy (where a yielding tenant's CPUs
 * are narrowed; tenant-cpusets.ts).
 */
export class CgroupV1 implements CgroupDriver {
  readonly mechanism = 'cgroup1' as const;
  private readonly parents: { memory: string; pids: string; cpu: string | null; cpuacct: string | null; cpuset: string | null };
  /** Made by init, once it is known which of the cpu and cpuacct groups could be made. */
  private tenantCpu: TenantCpuGroups | null = null;
  private cpusetMems = '';

  constructor(
    private readonly layout: V1Layout,
    private readonly pid: number = process.pid,
    private readonly alive?: (pid: number) => boolean,
    private readonly cpus: number = availableParallelism(),
  ) {
    const name = parentName(pid);
    const cpuacct = layout.cpuacct ?? null;
    this.parents = {
      memory: path.join(layout.memory, name),
      pids: path.join(layout.pids, name),
      cpu: layout.cpu === null ? null : path.join(layout.cpu, name),
      // Mounted with cpu: the cpu groups already count usage.
      cpuacct: cpuacct === null || cpuacct === layout.cpu ? null : path.join(cpuacct, name),
      cpuset: layout.cpuset ? path.join(layout.cpuset, name) : null,
    };
  }

  init(): void {
    const cpuacctApart = this.parents.cpuacct === null ? null : (this.layout.cpuacct ?? null);
    const cpusetBase = this.parents.cpuset === null ? null : (this.layout.cpuset ?? null);
    for (const base of [this.layout.memory, this.layout.pids, this.layout.cpu, cpuacctApart, cpusetBase])
      if (base !== null) removeStaleParents(base, this.pid, this.alive);
    makeDir(this.parents.memory);
    makeDir(this.parents.pids);
    if (this.parents.cpu !== null && !tryMakeDir(this.parents.cpu)) this.parents.cpu = null;
    if (this.parents.cpuacct !== null && !tryMakeDir(this.parents.cpuacct)) this.parents.cpuacct = null;
    const cpu = this.parents.cpu;
    if (cpu === null) return;
    tryWrite(path.join(cpu, 'cpu.shares'), String(cpuShares(AGENTS_WEIGHT)));
    const usageDir = this.parents.cpuacct ?? (this.layout.cpuacct === this.layout.cpu ? cpu : null);
    this.tenantCpu = new TenantCpuGroups(
      cpu,
      (tenant) => path.join(cpu, tenant),
      { name: 'cpu.shares', value: (weight) => String(cpuShares(weight)) },
      usageDir === null ? null : (tenant) => Math.floor(readNumber(path.join(usageDir, tenant, 'cpuacct.usage')) / 1000),
    );
    this.initCpusets(cpusetBase);
  }

  /** v1 cpuset groups start with no CPUs and no memory nodes: each gets its parent's before anyone joins. */
  private initCpusets(base: string | null): void {
    const parent = this.parents.cpuset;
    if (base === null || parent === null || this.tenantCpu === null) return;
    const cpus = readLine(path.join(base, 'cpuset.cpus'));
    const mems = readLine(path.join(base, 'cpuset.mems'));
    const made =
      cpus !== '' && mems !== '' && tryMakeDir(parent) && tryWrite(path.join(parent, 'cpuset.cpus'), cpus) && tryWrite(path.join(parent, 'cpuset.mems'), mems);
    if (!made) {
      this.parents.cpuset = null;
      return;
    }
    this.cpusetMems = mems;
    this.tenantCpu.cpusets = new TenantCpusets((tenant) => path.join(parent, tenant), parseCpuList(cpus), cpus);
  }

  /** The tenant's cpuset group, made on its first sandbox; null without cpusets. */
  private tenantCpuset(tenant: string): string | null {
    const parent = this.parents.cpuset;
    const cpusets = this.tenantCpu?.cpusets;
    if (parent === null || !cpusets) return null;
    const dir = path.join(parent, tenant);
    if (existsSync(dir)) return dir;
    if (tryMakeDir(dir) && tryWrite(path.join(dir, 'cpuset.mems'), this.cpusetMems) && cpusets.apply(tenant, this.tenantCpu!.isYielding(tenant))) return dir;
    removeGroupTree(dir);
    return null;
  }

  create(tenant: string, name: string, limits: ResourceLimits): SandboxGroup {
    const memory = path.join(this.parents.memory, tenant, name);
    const pids = path.join(this.parents.pids, tenant, name);
    const cpu = this.parents.cpu === null ? null : path.join(this.parents.cpu, tenant, name);
    const dirs = [memory, pids, ...(cpu === null ? [] : [cpu])];
    const cpuacct = this.parents.cpuacct === null ? null : path.join(this.parents.cpuacct, tenant);
    const tenantGroups: string[] = [];
    try {
      for (const dir of dirs) makeDir(dir);
      if (cpuacct !== null) makeDir(cpuacct);
      write(path.join(memory, 'memory.limit_in_bytes'), String(limits.memoryMax));
      // With swap, tmpfs pages and anonymous memory could be pushed out past the limit; memsw bounds both.
      const memsw = path.join(memory, 'memory.memsw.limit_in_bytes');
      if (existsSync(memsw)) tryWrite(memsw, String(limits.memoryMax));
      write(path.join(pids, 'pids.max'), String(limits.pidsMax));
      if (cpu !== null && this.tenantCpu?.configure(tenant, limits.cpuWeight)) {
        const { quota, period } = tenantCpuQuota(this.cpus);
        tryWrite(path.join(path.dirname(cpu), 'cpu.cfs_period_us'), String(period));
        tryWrite(path.join(path.dirname(cpu), 'cpu.cfs_quota_us'), String(quota));
      }
      if (cpuacct !== null) tenantGroups.push(cpuacct);
      const cpuset = this.tenantCpuset(tenant);
      if (cpuset !== null) tenantGroups.push(cpuset);
    } catch (error) {
      for (const dir of dirs) removeGroupTree(dir);
      throw error;
    }
    return {
      procsFiles: [...dirs, ...tenantGroups].map((dir) => path.join(dir, 'cgroup.procs')),
      counters: (): LimitCounters => ({
        oomKills: readKeyed(path.join(memory, 'memory.oom_control'), 'oom_kill'),
        pidsRefused: readKeyed(path.join(pids, 'pids.events'), 'max'),
      }),
      memoryBytes: () => readNumber(path.join(memory, 'memory.usage_in_bytes')),
      remove: () => dirs.map(removeGroupTree).every(Boolean),
    };
  }

  cpuControl(): TenantCpuControl | null {
    return this.tenantCpu;
  }

  close(): void {
    for (const dir of Object.values(this.parents)) if (dir !== null) removeGroupTree(dir);
  }
}

/** v1 cpu.shares for a v2-style weight: 100 (normal) is 1024, the kernel's default share. */
export function cpuShares(weight: number): number {
  return Math.max(2, Math.round((weight * 1024) / 100));
}

function tryMakeDir(dir: string): boolean {
  try {
    makeDir(dir);
    return true;
  } catch {
    return false;
  }
}
