import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import {
  makeDir,
  parentName,
  readKeyed,
  readNumber,
  removeGroupTree,
  removeStaleParents,
  tryWrite,
  write,
  type CgroupDriver,
  type LimitCounters,
  type SandboxGroup,
} from './cgroup-group.js';
import type { CgroupLayout } from './cgroup-layout.js';
import { AGENTS_WEIGHT, tenantCpuQuota, type ResourceLimits } from './resource-limits.js';

type V1Layout = Extract<CgroupLayout, { version: 1 }>;

/**
 * cgroup v1 (hybrid hosts): memory and pids hierarchies (and cpu for the weight, when mounted).
 * Every hierarchy gets `<server's own group>/ccs-<pid>/<sandbox>`; v1 has no rule against
 * processes in inner groups, so the server stays where it is.
 */
export class CgroupV1 implements CgroupDriver {
  readonly mechanism = 'cgroup1' as const;
  private readonly parents: { memory: string; pids: string; cpu: string | null };

  constructor(
    private readonly layout: V1Layout,
    private readonly pid: number = process.pid,
    private readonly alive?: (pid: number) => boolean,
    private readonly cpus: number = availableParallelism(),
  ) {
    const name = parentName(pid);
    this.parents = {
      memory: path.join(layout.memory, name),
      pids: path.join(layout.pids, name),
      cpu: layout.cpu === null ? null : path.join(layout.cpu, name),
    };
  }

  init(): void {
    for (const base of [this.layout.memory, this.layout.pids, this.layout.cpu]) if (base !== null) removeStaleParents(base, this.pid, this.alive);
    makeDir(this.parents.memory);
    makeDir(this.parents.pids);
    if (this.parents.cpu !== null && !tryMakeDir(this.parents.cpu)) this.parents.cpu = null;
    if (this.parents.cpu !== null) tryWrite(path.join(this.parents.cpu, 'cpu.shares'), String(cpuShares(AGENTS_WEIGHT)));
  }

  create(tenant: string, name: string, limits: ResourceLimits): SandboxGroup {
    const memory = path.join(this.parents.memory, tenant, name);
    const pids = path.join(this.parents.pids, tenant, name);
    const cpu = this.parents.cpu === null ? null : path.join(this.parents.cpu, tenant, name);
    const dirs = [memory, pids, ...(cpu === null ? [] : [cpu])];
    try {
      for (const dir of dirs) makeDir(dir);
      write(path.join(memory, 'memory.limit_in_bytes'), String(limits.memoryMax));
      // With swap, tmpfs pages and anonymous memory could be pushed out past the limit; memsw bounds both.
      const memsw = path.join(memory, 'memory.memsw.limit_in_bytes');
      if (existsSync(memsw)) tryWrite(memsw, String(limits.memoryMax));
      write(path.join(pids, 'pids.max'), String(limits.pidsMax));
      if (cpu !== null) tryWrite(path.join(path.dirname(cpu), 'cpu.shares'), String(cpuShares(limits.cpuWeight)));
      if (cpu !== null) {
        const { quota, period } = tenantCpuQuota(this.cpus);
        tryWrite(path.join(path.dirname(cpu), 'cpu.cfs_period_us'), String(period));
        tryWrite(path.join(path.dirname(cpu), 'cpu.cfs_quota_us'), String(quota));
      }
    } catch (error) {
      for (const dir of dirs) removeGroupTree(dir);
      throw error;
    }
    return {
      procsFiles: dirs.map((dir) => path.join(dir, 'cgroup.procs')),
      counters: (): LimitCounters => ({
        oomKills: readKeyed(path.join(memory, 'memory.oom_control'), 'oom_kill'),
        pidsRefused: readKeyed(path.join(pids, 'pids.events'), 'max'),
      }),
      memoryBytes: () => readNumber(path.join(memory, 'memory.usage_in_bytes')),
      remove: () => dirs.map(removeGroupTree).every(Boolean),
    };
  }

  close(): void {
    for (const dir of [this.parents.memory, this.parents.pids, this.parents.cpu]) if (dir !== null) removeGroupTree(dir);
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
