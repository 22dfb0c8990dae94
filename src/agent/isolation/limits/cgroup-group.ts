import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { yieldingWeight, type TenantCpuControl, type TenantCpuUsage } from './cpu-fairness.js';
import type { ResourceLimits } from './resource-limits.js';
import type { TenantCpusets } from './tenant-cpusets.js';

/** Kernel counters of one sandbox's group that say a limit struck. */
export interface LimitCounters {
  /** Processes the OOM killer killed in the group. */
  oomKills: number;
  /** fork()/clone() calls refused because the group was at its pids limit. */
  pidsRefused: number;
}

export const NO_COUNTERS: LimitCounters = { oomKills: 0, pidsRefused: 0 };

/** One agent process's group (one directory per hierarchy). */
export interface SandboxGroup {
  /** The cgroup.procs files the launch wrapper writes its own pid into before it execs bwrap. */
  readonly procsFiles: readonly string[];
  counters(): LimitCounters;
  /** Memory charged to the group, as its limit counts it (page cache and tmpfs included); 0 if unreadable. */
  memoryBytes(): number;
  /** Kills whatever is still in the group and removes it; false if it could not be removed yet. */
  remove(): boolean;
}

export interface CgroupDriver {
  readonly mechanism: 'cgroup1' | 'cgroup2';
  /** Creates this server's parent group, removing those of servers that are gone; throws when it cannot. */
  init(): void;
  /**
   * A group for one agent process, inside its tenant's group: memory and pids are limited per
   * process, the CPU weight per tenant, so a tenant's many sandboxes together weigh as one.
   */
  create(tenant: string, name: string, limits: ResourceLimits): SandboxGroup;
  /** The tenants' CPU groups, for the fairness loop; null without the cpu controller (known after init). */
  cpuControl(): TenantCpuControl | null;
  /** Removes the parent group (its sandboxes are gone by then). */
  close(): void;
}

/** Parent groups are named after the server's pid, so a later server can tell whose are stale. */
export const PARENT_PREFIX = 'ccs-';

export function parentName(pid: number): string {
  return `${PARENT_PREFIX}${pid}`;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the parent groups of servers that are gone: their pid is dead, or it is our own (a
 * restarted server in a container often gets the same pid). Their sandboxes died with them.
 */
export function removeStaleParents(base: string, ownPid: number, alive: (pid: number) => boolean = processAlive): void {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const match = /^ccs-(\d+)$/.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === ownPid || !alive(pid)) removeGroupTree(path.join(base, name));
  }
}

/** Kills the processes of a group and its descendants (deepest first) and removes them. */
export function removeGroupTree(dir: string): boolean {
  let removed = true;
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removed = removeGroupTree(path.join(dir, entry.name)) && removed;
  } catch {
    return true;
  }
  killMembers(dir);
  try {
    rmdirSync(dir);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
  return removed;
}

function killMembers(dir: string): void {
  // cgroup v2 kills the whole group at once; v1 (and older v2) one pid at a time.
  if (existsSync(path.join(dir, 'cgroup.kill'))) {
    tryWrite(path.join(dir, 'cgroup.kill'), '1');
    return;
  }
  for (const pid of readLines(path.join(dir, 'cgroup.procs'))) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** A value from a flat keyed file ("oom_kill 3", "max 12"); 0 when absent or unreadable. */
export function readKeyed(file: string, key: string): number {
  for (const line of readLines(file)) {
    const [name, value] = line.split(/\s+/);
    if (name === key) return Number(value) || 0;
  }
  return 0;
}

/** A file's first line, trimmed; '' when absent or unreadable. */
export function readLine(file: string): string {
  return readLines(file)[0]?.trim() ?? '';
}

export function readNumber(file: string): number {
  return Number(readLines(file)[0]) || 0;
}

export function write(file: string, value: string): void {
  writeFileSync(file, value);
}

/** A write whose failure is acceptable (an optional knob this kernel lacks). */
export function tryWrite(file: string, value: string): boolean {
  try {
    writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
}

export function makeDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/** How a driver writes a tenant's CPU weight: the file in the tenant's group and its value. */
export interface WeightFile {
  name: string;
  value(weight: number): string;
}

/**
 * Each tenant's CPU group as the drivers keep it. A yielding tenant (cpu-fairness.ts) becomes an
 * idle-class group (`cpu.idle`, kernels 5.15+): any other tenant's waking task preempts its
 * tasks at once, and it gets the CPU the others leave. Where the kernel lacks `cpu.idle`, a tenth
 * of its weight alone. Measured under a fork storm: the other tenant's p95 rose 1.0-1.8x with the
 * low weight only, 1.0-1.5x as an idle-class group (bench/RESULTS.md).
 *
 * While any tenant yields, the agents' parent group is idle-class too, beside the server in the
 * server's own cgroup, so the server's waking threads preempt the storm as other tenants' do.
 * Agents then get only the CPU the server's cgroup leaves, which is the server alone where it
 * runs as a service or in a container, and everything in the root group where it runs there.
 * Where the driver has cpusets, a yielding tenant is also kept off one CPU (tenant-cpusets.ts).
 * With that CPU kept free but neither idle class, the other tenant's p95 rose up to 2x.
 */
export class TenantCpuGroups implements TenantCpuControl {
  private readonly configured = new Map<string, number>();
  private readonly yielding = new Set<string>();
  /** Tenants made idle-class at some point: only they need `cpu.idle` written back. */
  private readonly idled = new Set<string>();
  private agentsIdle = false;
  /** Set by the driver once it knows the cpuset hierarchy is there. */
  cpusets: TenantCpusets | null = null;

  constructor(
    /** The agents' parent group (ccs-<pid>) in the cpu hierarchy. */
    private readonly agentsDir: string,
    /** The tenant's group in the cpu hierarchy. */
    private readonly dirOf: (tenant: string) => string,
    private readonly weightFile: WeightFile,
    /** The tenant's CPU time in microseconds; null where usage cannot be read. */
    private readonly usageOf: ((tenant: string) => number) | null,
  ) {}

  get measuresUsage(): boolean {
    return this.usageOf !== null;
  }

  /** Sets a tenant's configured weight; true when the tenant is new (its group needs its quota). */
  configure(tenant: string, weight: number): boolean {
    const known = this.configured.has(tenant);
    if (this.configured.get(tenant) === weight) return false;
    this.configured.set(tenant, weight);
    this.apply(tenant);
    // The second tenant: now there is someone to keep a CPU free for.
    if (!known && this.configured.size === 2) for (const other of this.yielding) this.apply(other);
    return !known;
  }

  setYielding(tenant: string, yielding: boolean): void {
    if (yielding) this.yielding.add(tenant);
    else this.yielding.delete(tenant);
    this.apply(tenant);
    const agentsIdle = this.yielding.size > 0;
    if (agentsIdle === this.agentsIdle) return;
    this.agentsIdle = agentsIdle;
    tryWrite(path.join(this.agentsDir, 'cpu.idle'), agentsIdle ? '1' : '0');
  }

  isYielding(tenant: string): boolean {
    return this.yielding.has(tenant);
  }

  cpuUsage(): TenantCpuUsage[] {
    const usageOf = this.usageOf;
    return usageOf === null ? [] : [...this.configured.keys()].map((tenant) => ({ tenant, usageUs: usageOf(tenant) }));
  }

  private apply(tenant: string): void {
    const weight = this.configured.get(tenant);
    if (weight === undefined) return;
    const yielding = this.yielding.has(tenant);
    const dir = this.dirOf(tenant);
    tryWrite(path.join(dir, this.weightFile.name), this.weightFile.value(yielding ? yieldingWeight(weight) : weight));
    if (yielding) this.idled.add(tenant);
    if (!this.idled.has(tenant)) return;
    tryWrite(path.join(dir, 'cpu.idle'), yielding ? '1' : '0');
    // Kept off a CPU only for another tenant: a server with one tenant would only slow its builds.
    this.cpusets?.apply(tenant, yielding && this.configured.size > 1);
  }
}
