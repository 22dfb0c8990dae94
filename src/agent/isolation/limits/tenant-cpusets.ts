import path from 'node:path';
import { tryWrite } from './cgroup-group.js';

/** CPU numbers in a kernel list ("0-3,8,10-11"); empty for an empty or malformed list. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',').filter(Boolean)) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) return [];
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    for (let cpu = first; cpu <= last; cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** The CPUs a yielding tenant keeps: all but the first; null with a single CPU (nothing to keep free). */
export function yieldingCpus(all: readonly number[]): string | null {
  return all.length < 2 ? null : all.slice(1).join(',');
}

/**
 * Keeps a yielding tenant off one CPU, so the server and the other tenants always have a CPU its
 * storm cannot hold (TenantCpuGroups asks for it only once there is another tenant). Weights and
 * the idle class decide who runs next, but not how soon: this kernel (PREEMPT_NONE, 250 Hz) lets
 * a storm's process finish its fork, exit or page fault before a woken thread gets the CPU, and
 * `/health`'s p95 rose up to 1.8x with the idle classes alone. With the storm kept off one CPU of
 * two as well, both it and the other tenant's tasks held 1.5x in every run once quiet and storming
 * phases were alternated (bench/RESULTS.md).
 */
export class TenantCpusets {
  private readonly yielding: string | null;

  constructor(
    /** The tenant's group in the cpuset hierarchy. */
    private readonly dirOf: (tenant: string) => string,
    /** The CPUs the agents' parent group may use. */
    all: readonly number[],
    /** What a tenant that does not yield is given: v1 needs the list itself, v2 takes "" (its parent's). */
    private readonly normal: string,
  ) {
    this.yielding = yieldingCpus(all);
  }

  /** False when the kernel refused the write. */
  apply(tenant: string, yielding: boolean): boolean {
    // A fresh line: an empty write never reaches the kernel.
    return tryWrite(path.join(this.dirOf(tenant), 'cpuset.cpus'), `${yielding && this.yielding !== null ? this.yielding : this.normal}\n`);
  }
}
