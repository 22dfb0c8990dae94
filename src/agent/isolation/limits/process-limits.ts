import { taskError, type TaskError } from '../../../errors.js';
import { NO_COUNTERS, type LimitCounters, type SandboxGroup } from './cgroup-group.js';
import type { LimitPolicy, ResourceLimits } from './resource-limits.js';

/**
 * Joins the cgroups named before `--`, then execs the rest: the sandbox is in its groups from
 * bwrap's first instruction, and everything it starts inherits them. A failed join stops the
 * launch (exit 125) rather than running the agent unlimited.
 */
export const ENTER_GROUPS_SCRIPT = 'for f do [ "$f" = -- ] && break; echo $$ > "$f" || exit 125; done; while [ "$1" != -- ]; do shift; done; shift; exec "$@"';

export interface Command {
  command: string;
  args: string[];
}

/** The limits of one agent process: its cgroup (or rlimits), its /tmp size, and what struck. */
export class ProcessLimits {
  private final: LimitCounters | null = null;

  constructor(
    private readonly tenantId: string,
    readonly limits: ResourceLimits,
    private readonly policy: LimitPolicy,
    private readonly group: SandboxGroup | null,
    /** util-linux prlimit, when the process gets rlimits instead of a cgroup. */
    private readonly prlimit: string | null,
    private readonly onDisposed: (removed: boolean, group: SandboxGroup) => void = () => undefined,
  ) {}

  /** Wraps the sandbox launcher (bwrap), run by the server: joins the cgroup first. */
  outside(launch: Command): Command {
    if (this.group === null) return launch;
    return { command: '/bin/sh', args: ['-c', ENTER_GROUPS_SCRIPT, 'ccs-enter', ...this.group.procsFiles, '--', launch.command, ...launch.args] };
  }

  /**
   * Wraps the command run inside the sandbox, after the uid switch or in the user namespace:
   * RLIMIT_NPROC set there counts only that uid's processes (in a user namespace, only this
   * sandbox's). RLIMIT_AS/RLIMIT_DATA are never set: the CLI reserves far more address space
   * than it uses and crashes at start under either.
   */
  inside(launch: Command): Command {
    if (this.prlimit === null) return launch;
    const n = this.limits.pidsMax;
    return { command: this.prlimit, args: [`--nproc=${n}:${n}`, '--', launch.command, ...launch.args] };
  }

  counters(): LimitCounters {
    return this.final ?? this.group?.counters() ?? NO_COUNTERS;
  }

  /** The sandbox's memory as its cgroup counts it; null without one (or once it is gone). */
  memoryBytes(): number | null {
    return this.final === null ? (this.group?.memoryBytes() ?? null) : null;
  }

  /** What struck since `before`, as the task error naming the limit; null if nothing did. */
  breachSince(before: LimitCounters): TaskError | null {
    const now = this.counters();
    const kills = now.oomKills - before.oomKills;
    const refused = now.pidsRefused - before.pidsRefused;
    const parts: string[] = [];
    if (kills > 0) {
      parts.push(
        `${this.policy.describe('memoryMax', this.tenantId)} reached: the kernel killed ${kills} process${kills === 1 ? '' : 'es'} of the agent's sandbox (out of memory)`,
      );
    }
    if (refused > 0) {
      parts.push(
        `${this.policy.describe('pidsMax', this.tenantId)} reached: ${refused} new process${refused === 1 ? ' was' : 'es were'} refused in the agent's sandbox`,
      );
    }
    return parts.length === 0 ? null : taskError('RESOURCE_LIMIT', parts.join('; '));
  }

  /** The process is gone: keeps its last counters and removes the group. */
  dispose(): void {
    if (this.group === null || this.final !== null) return;
    this.final = this.group.counters();
    this.onDisposed(this.group.remove(), this.group);
  }
}
