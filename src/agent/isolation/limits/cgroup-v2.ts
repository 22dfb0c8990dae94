import { existsSync, readFileSync } from 'node:fs';
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
import type { TenantCpuControl } from './cpu-fairness.js';
import { AGENTS_WEIGHT, tenantCpuQuota, type ResourceLimits } from './resource-limits.js';
import { parseCpuList, TenantCpusets } from './tenant-cpusets.js';

/**
 * Where the processes of the server's own group go when that group must hand its controllers to
 * children: cgroup v2 lets a group either hold processes or enable controllers for its
 * children, never both (except the true root).
 */
export const SERVER_LEAF = 'ccs-server';

/**
 * cgroup v2: `<base>/ccs-<pid>/<sandbox>` with memory.max, memory.swap.max, pids.max and
 * cpu.weight. The base is the server's own group, or its parent when a previous server already
 * moved everything into the leaf.
 */
export class CgroupV2 implements CgroupDriver {
  readonly mechanism = 'cgroup2' as const;
  private readonly base: string;
  private readonly parent: string;
  private controllers: string[] = [];
  private readonly tenantCpu: TenantCpuGroups;

  constructor(
    ownDir: string,
    private readonly pid: number = process.pid,
    private readonly alive?: (pid: number) => boolean,
    private readonly cpus: number = availableParallelism(),
  ) {
    this.base = path.basename(ownDir) === SERVER_LEAF ? path.dirname(ownDir) : ownDir;
    const parent = path.join(this.base, parentName(pid));
    this.parent = parent;
    this.tenantCpu = new TenantCpuGroups(
      parent,
      (tenant) => path.join(parent, tenant),
      { name: 'cpu.weight', value: String },
      (tenant) => readKeyed(path.join(parent, tenant, 'cpu.stat'), 'usage_usec'),
    );
  }

  init(): void {
    removeStaleParents(this.base, this.pid, this.alive);
    const wanted = ['memory', 'pids', ...(controllers(this.base).includes('cpu') ? ['cpu'] : [])];
    this.enable(this.base, wanted, true);
    makeDir(this.parent);
    this.enable(this.parent, wanted, false);
    if (wanted.includes('cpu')) tryWrite(path.join(this.parent, 'cpu.weight'), String(AGENTS_WEIGHT));
    this.controllers = wanted;
    if (wanted.includes('cpu') && this.enableCpusets()) {
      const all = parseCpuList(readLine(path.join(this.parent, 'cpuset.cpus.effective')));
      this.tenantCpu.cpusets = new TenantCpusets((tenant) => path.join(this.parent, tenant), all, '');
    }
  }

  /** cpuset for the tenants' groups where delegated; optional, so a host without it keeps every other limit. */
  private enableCpusets(): boolean {
    if (!controllers(this.base).includes('cpuset')) return false;
    try {
      this.enable(this.base, ['cpuset'], true);
      this.enable(this.parent, ['cpuset'], false);
      return true;
    } catch {
      return false;
    }
  }

  create(tenant: string, name: string, limits: ResourceLimits): SandboxGroup {
    const tenantDir = path.join(this.parent, tenant);
    const dir = path.join(tenantDir, name);
    try {
      makeDir(tenantDir);
      this.enable(tenantDir, this.controllers, false);
      if (this.controllers.includes('cpu') && this.tenantCpu.configure(tenant, limits.cpuWeight)) {
        const { quota, period } = tenantCpuQuota(this.cpus);
        tryWrite(path.join(tenantDir, 'cpu.max'), `${quota} ${period}`);
      }
      makeDir(dir);
      write(path.join(dir, 'memory.max'), String(limits.memoryMax));
      // Swapped-out pages (tmpfs included) would not count against memory.max.
      if (existsSync(path.join(dir, 'memory.swap.max'))) tryWrite(path.join(dir, 'memory.swap.max'), '0');
      write(path.join(dir, 'pids.max'), String(limits.pidsMax));
    } catch (error) {
      removeGroupTree(dir);
      throw error;
    }
    return {
      procsFiles: [path.join(dir, 'cgroup.procs')],
      counters: (): LimitCounters => ({
        oomKills: readKeyed(path.join(dir, 'memory.events'), 'oom_kill'),
        pidsRefused: readKeyed(path.join(dir, 'pids.events'), 'max'),
      }),
      memoryBytes: () => readNumber(path.join(dir, 'memory.current')),
      remove: () => removeGroupTree(dir),
    };
  }

  cpuControl(): TenantCpuControl | null {
    return this.controllers.includes('cpu') ? this.tenantCpu : null;
  }

  close(): void {
    removeGroupTree(this.parent);
  }

  /** Enables controllers for `dir`'s children; a group with processes first moves them to the leaf. */
  private enable(dir: string, wanted: readonly string[], mayMoveProcesses: boolean): void {
    const missing = wanted.filter((c) => !subtreeControl(dir).includes(c));
    if (missing.length === 0) return;
    const line = missing.map((c) => `+${c}`).join(' ');
    if (tryWrite(path.join(dir, 'cgroup.subtree_control'), line)) return;
    if (!mayMoveProcesses) throw new Error(`cannot enable ${missing.join(', ')} in ${dir}`);
    const leaf = path.join(dir, SERVER_LEAF);
    makeDir(leaf);
    for (const pid of readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
      tryWrite(path.join(leaf, 'cgroup.procs'), pid);
    }
    write(path.join(dir, 'cgroup.subtree_control'), line);
  }
}

function controllers(dir: string): string[] {
  return readWords(path.join(dir, 'cgroup.controllers'));
}

function subtreeControl(dir: string): string[] {
  return readWords(path.join(dir, 'cgroup.subtree_control'));
}

function readWords(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}
