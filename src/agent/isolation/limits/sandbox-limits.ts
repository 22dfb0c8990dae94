import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { IsolationMode } from '../isolation-mode.js';
import type { CgroupDriver, SandboxGroup } from './cgroup-group.js';
import { findCgroupLayout, type CgroupLayout } from './cgroup-layout.js';
import { CgroupV1 } from './cgroup-v1.js';
import { CgroupV2 } from './cgroup-v2.js';
import { CpuFairness, cpuFairnessOptions } from './cpu-fairness.js';
import { ProcessLimits } from './process-limits.js';
import { showLimit, type LimitPolicy } from './resource-limits.js';

/** How the limits are enforced, reported on /health as `limits.mechanism`. */
export type LimitMechanism = 'cgroup2' | 'cgroup1' | 'rlimit' | 'none';
export type EnforcedLimit = 'memory' | 'pids' | 'tmp' | 'cpu';

export interface LimitsReport {
  mechanism: LimitMechanism;
  /** Which of the limits hold with this mechanism. */
  enforced: EnforcedLimit[];
  memory_max_bytes: number;
  pids_max: number;
  tmp_size_bytes: number;
  cpu_weight: number;
}

export interface LimitsEnvironment {
  isolation: IsolationMode;
  isRoot: boolean;
  /** Defaults read /proc/self/cgroup and /proc/self/mountinfo. */
  cgroupLayout?: () => CgroupLayout | null;
  /** Absolute path of util-linux prlimit, or null (defaults to `command -v prlimit`). */
  prlimit?: string | null;
  driverFor?: (layout: CgroupLayout) => CgroupDriver;
}

export interface LimitsHooks {
  /** A sandbox's group that could not be removed yet (processes still dying in it). */
  onLeftover?: (group: SandboxGroup) => void;
  /** A tenant starts or stops yielding CPU to the others (cpu-fairness.ts). */
  onYield?: (tenant: string, yielding: boolean) => void;
}

/**
 * Limits for every agent sandbox, by the best mechanism this host offers, chosen once at start:
 * - cgroup v2, or v1 memory + pids (+ cpu), when the server is root and can write them: one
 *   group per agent process under a parent of this server; tmpfs pages count as memory too;
 * - otherwise rlimits: RLIMIT_NPROC inside the sandbox (per sandbox in a user namespace, per
 *   tenant uid as root); memory is then not bounded (see ProcessLimits.inside);
 * - none without a sandbox (AGENT_ISOLATION=none).
 * The sized private /tmp comes from bwrap (`--size`) whatever the mechanism, with a sandbox.
 */
export class SandboxLimits {
  private constructor(
    readonly policy: LimitPolicy,
    readonly mechanism: LimitMechanism,
    private readonly driver: CgroupDriver | null,
    private readonly prlimit: string | null,
    /** Agents run in bwrap, which sizes their /tmp whatever else holds. */
    readonly sizesTmp: boolean,
    /** The one start-up log line. */
    readonly summary: string,
    private readonly hooks: LimitsHooks,
    /** The tenants' CPU weights (and quota) hold. */
    private readonly weighsCpu = false,
    private readonly fairness: CpuFairness | null = null,
  ) {}

  static start(policy: LimitPolicy, env: LimitsEnvironment, hooks: LimitsHooks = {}): SandboxLimits {
    const values = `memory ${showLimit('memoryMax', policy.defaults.memoryMax)}, ${policy.defaults.pidsMax} processes, /tmp ${showLimit('tmpSize', policy.defaults.tmpSize)}, CPU weight ${policy.defaults.cpuWeight}`;
    if (env.isolation === 'none') {
      return new SandboxLimits(policy, 'none', null, null, false, 'Agent limits: none (they need the sandbox; AGENT_ISOLATION=none)', hooks);
    }
    let why = 'the server is not root';
    if (env.isRoot) {
      const layout = (env.cgroupLayout ?? hostCgroupLayout)();
      why = 'no cgroup hierarchy offers memory and pids';
      if (layout !== null) {
        const driver = (env.driverFor ?? defaultDriver)(layout);
        try {
          driver.init();
          const cpu = driver.cpuControl();
          const fairness = cpu?.measuresUsage ? new CpuFairness(cpu, hooks.onYield, cpuFairnessOptions(availableParallelism())) : null;
          fairness?.start();
          const summary = `Agent limits: ${driver.mechanism} per sandbox (${values}${fairness === null ? '' : '; busy tenants yield CPU to the others'})`;
          return new SandboxLimits(policy, driver.mechanism, driver, null, true, summary, hooks, cpu !== null, fairness);
        } catch (error) {
          why = `cgroups are not writable here (${(error as Error).message})`;
        }
      }
    }
    const prlimit = env.prlimit === undefined ? which('prlimit') : env.prlimit;
    if (prlimit === null) {
      return new SandboxLimits(policy, 'none', null, null, true, `Agent limits: /tmp size only (${why}, and prlimit is not installed)`, hooks);
    }
    const scope = env.isRoot ? 'per tenant uid' : 'per sandbox';
    const summary = `Agent limits: rlimits (${why}): ${policy.defaults.pidsMax} processes ${scope} and /tmp ${showLimit('tmpSize', policy.defaults.tmpSize)}; memory and CPU weight are NOT limited`;
    return new SandboxLimits(policy, 'rlimit', null, prlimit, true, summary, hooks);
  }

  /** The limits of one new agent process of `tenantId` (its cgroup is created now). */
  forProcess(tenantId: string): ProcessLimits {
    const limits = this.policy.of(tenantId);
    const group = this.driver?.create(tenantId || 'default', randomBytes(6).toString('hex'), limits) ?? null;
    return new ProcessLimits(tenantId, limits, this.policy, group, this.prlimit, (removed, g) => {
      if (!removed) this.hooks.onLeftover?.(g);
    });
  }

  report(): LimitsReport {
    const cgroup = this.mechanism === 'cgroup1' || this.mechanism === 'cgroup2';
    const enforced: EnforcedLimit[] = [
      ...(cgroup ? (['memory'] as const) : []),
      ...(cgroup || this.mechanism === 'rlimit' ? (['pids'] as const) : []),
      ...(this.sizesTmp ? (['tmp'] as const) : []),
      ...(this.weighsCpu ? (['cpu'] as const) : []),
    ];
    const d = this.policy.defaults;
    return { mechanism: this.mechanism, enforced, memory_max_bytes: d.memoryMax, pids_max: d.pidsMax, tmp_size_bytes: d.tmpSize, cpu_weight: d.cpuWeight };
  }

  close(): void {
    this.fairness?.stop();
    this.driver?.close();
  }
}

function defaultDriver(layout: CgroupLayout): CgroupDriver {
  return layout.version === 2 ? new CgroupV2(layout.dir) : new CgroupV1(layout);
}

function hostCgroupLayout(): CgroupLayout | null {
  try {
    return findCgroupLayout(readFileSync('/proc/self/cgroup', 'utf8'), readFileSync('/proc/self/mountinfo', 'utf8'), (dir) => {
      try {
        return readFileSync(path.join(dir, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
      } catch {
        return [];
      }
    });
  } catch {
    return null;
  }
}

function which(command: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8', timeout: 5000 });
  const resolved = found.stdout?.trim();
  return found.status === 0 && resolved ? resolved : null;
}
