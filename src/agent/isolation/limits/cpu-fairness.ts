/** The CPU time a tenant's group has used since it was made (v2 cpu.stat usage_usec, v1 cpuacct.usage). */
export interface TenantCpuUsage {
  tenant: string;
  usageUs: number;
}

/** What the fairness loop needs from a cgroup driver that controls CPU. */
export interface TenantCpuControl {
  /** False on a v1 host without the cpuacct hierarchy: weights hold, but usage cannot be read. */
  readonly measuresUsage: boolean;
  cpuUsage(): TenantCpuUsage[];
  /** Makes a tenant yield to the others (true) or gives it back its configured standing (false). */
  setYielding(tenant: string, yielding: boolean): void;
}

/** A yielding tenant's weight is its configured weight divided by this (at least 1). */
export const YIELD_DIVISOR = 10;

export function yieldingWeight(configured: number): number {
  return Math.max(1, Math.round(configured / YIELD_DIVISOR));
}

export interface CpuFairnessOptions {
  /** How often usage is read: one window. A CLI's start-up burst is shorter than this. */
  intervalMs: number;
  /** How long a tenant keeps yielding after the last window in which it was busy. */
  holdMs: number;
  /** Cores a tenant uses on average over a window to count as busy… */
  busyCores: number;
  /**
   * …and, once yielding, to stay busy. Lower, because a yielding tenant gets less: a fork storm
   * that took 1.2 cores took 0.85 while it yielded, and with one threshold it went back and forth
   * every few seconds, the other tenant's latency with it.
   */
  stillBusyCores: number;
}

/** Busy means half the machine, at least one core, for a whole second; still busy, a quarter. */
export function cpuFairnessOptions(cpus: number): CpuFairnessOptions {
  const busyCores = Math.max(1, cpus / 2);
  return { intervalMs: 1000, holdMs: 3000, busyCores, stillBusyCores: busyCores / 2 };
}

/**
 * Busy tenants yield to light ones. Equal weights share a contended core by group, so a tenant
 * whose fork storm keeps a core busy still takes half the core another tenant's one CLI runs on,
 * and that tenant's warm task takes half as long again (measured: 223 -> 367 ms p95). A tenant
 * that used more than half the machine over the last second yields (an idle-class group, or a
 * tenth of its weight; see TenantCpuGroups) until it has been below that for a while. The class
 * and weight only matter while the CPU is contended; the one CPU a yielding tenant is kept off
 * (where there are cpusets and another tenant) it loses even when the others are idle: on 2
 * cores, one core instead of 1.5.
 */
export class CpuFairness {
  private readonly last = new Map<string, { usageUs: number; at: number }>();
  /** Yielding tenants and when each may stop. */
  private readonly yieldingUntil = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly control: TenantCpuControl,
    private readonly onChange: (tenant: string, yielding: boolean) => void = () => undefined,
    private readonly options: CpuFairnessOptions,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.tick(Date.now()), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Tenants yielding now. */
  yielding(): string[] {
    return [...this.yieldingUntil.keys()].sort();
  }

  tick(now: number): void {
    for (const usage of this.control.cpuUsage()) {
      const before = this.last.get(usage.tenant);
      this.last.set(usage.tenant, { usageUs: usage.usageUs, at: now });
      // The real window, not the interval: a timer runs late on exactly the busy machine this is for.
      if (before === undefined || now <= before.at) continue;
      const until = this.yieldingUntil.get(usage.tenant);
      const cores = until === undefined ? this.options.busyCores : this.options.stillBusyCores;
      const busy = usage.usageUs - before.usageUs >= cores * (now - before.at) * 1000;
      if (busy) {
        this.yieldingUntil.set(usage.tenant, now + this.options.holdMs);
        if (until === undefined) this.change(usage.tenant, true);
      } else if (until !== undefined && now >= until) {
        this.yieldingUntil.delete(usage.tenant);
        this.change(usage.tenant, false);
      }
    }
  }

  private change(tenant: string, yielding: boolean): void {
    this.control.setYielding(tenant, yielding);
    this.onChange(tenant, yielding);
  }
}
