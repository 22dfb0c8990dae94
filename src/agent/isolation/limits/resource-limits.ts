import { formatSize, parseSize } from './size.js';

/** What one agent sandbox may take. Memory and /tmp in bytes; the CPU weight in cgroup v2 terms (1-10000, 100 is normal). */
export interface ResourceLimits {
  memoryMax: number;
  pidsMax: number;
  tmpSize: number;
  cpuWeight: number;
}

export type LimitName = keyof ResourceLimits;
export type LimitOverrides = Partial<ResourceLimits>;

export const DEFAULT_LIMITS: ResourceLimits = { memoryMax: 2 * 1024 ** 3, pidsMax: 512, tmpSize: 256 * 1024 ** 2, cpuWeight: 100 };

interface LimitSpec {
  variable: string;
  /** The key of a tenant's `limits` in API_KEYS_FILE. */
  key: string;
  kind: 'size' | 'count';
  min: number;
  max: number;
  /** How a breach is named in RESOURCE_LIMIT messages. */
  noun: string;
}

export const LIMIT_SPECS: Record<LimitName, LimitSpec> = {
  // Below these the CLI cannot even start (it alone has dozens of threads and ~200 MB resident).
  memoryMax: { variable: 'AGENT_MEMORY_MAX', key: 'memory_max', kind: 'size', min: 1024 ** 2, max: Number.MAX_SAFE_INTEGER, noun: 'memory limit' },
  pidsMax: { variable: 'AGENT_PIDS_MAX', key: 'pids_max', kind: 'count', min: 8, max: 4_194_304, noun: 'process limit' },
  tmpSize: { variable: 'AGENT_TMP_SIZE', key: 'tmp_size', kind: 'size', min: 64 * 1024, max: Number.MAX_SAFE_INTEGER, noun: '/tmp size' },
  cpuWeight: { variable: 'AGENT_CPU_WEIGHT', key: 'cpu_weight', kind: 'count', min: 1, max: 10_000, noun: 'CPU weight' },
};

/**
 * The CPU time a tenant's sandboxes may use together: every core but one, and never less than
 * three quarters of the machine, so that however hard a tenant's tasks spin, the server and other
 * tenants keep CPU that no weight has to win back first (weights only share what is contended).
 * Not "all but one" on small hosts: on two cores that is half the machine, and a CLI starting up
 * (V8 compiles on threads beside its main one) took 500 ms longer under it. The period is short
 * (10 ms, not the kernel's 100 ms): a quota is spent on every core at once, so a storming tenant
 * runs on all cores until it is throttled, and a long period makes that burst a latency spike
 * for the server and the other tenants.
 */
/**
 * The CPU weight of the group holding every agent sandbox, against the server's own group (100,
 * the kernel's default): when the CPU is contended the server (its API, /health, change
 * tracking) is served first, and tenants share the rest by their own weights.
 */
export const AGENTS_WEIGHT = 25;

export function tenantCpuQuota(cpus: number): { quota: number; period: number } {
  const period = 10_000;
  return { quota: Math.round(Math.max(cpus - 1, cpus * 0.75, 1) * period), period };
}

/** Parses one limit's value (env text, or a keys-file string or number); a string is the problem. */
export function parseLimit(name: LimitName, raw: string | number, label: string): { value: number } | { problem: string } {
  const spec = LIMIT_SPECS[name];
  const value =
    spec.kind === 'size' ? (typeof raw === 'number' ? raw : parseSize(raw)) : typeof raw === 'number' ? raw : /^\d+$/.test(raw.trim()) ? Number(raw) : null;
  const shown = spec.kind === 'size' ? `${formatSize(spec.min)} or more, e.g. 512M or 2G` : `an integer between ${spec.min} and ${spec.max}`;
  if (value === null || !Number.isSafeInteger(value) || value < spec.min || value > spec.max) return { problem: `${label} must be ${shown} (got "${raw}")` };
  return { value };
}

/** A limit's value as shown to people: sizes with a suffix. */
export function showLimit(name: LimitName, value: number): string {
  return LIMIT_SPECS[name].kind === 'size' ? formatSize(value) : String(value);
}

/** The limits of every tenant: the AGENT_* defaults, and what API_KEYS_FILE overrides for some. */
export class LimitPolicy {
  constructor(
    readonly defaults: ResourceLimits,
    private readonly overrides: ReadonlyMap<string, LimitOverrides> = new Map(),
  ) {}

  of(tenantId: string): ResourceLimits {
    return { ...this.defaults, ...this.overrides.get(tenantId) };
  }

  /** "memory limit AGENT_MEMORY_MAX=2G", or the tenant's own setting when it has one. */
  describe(name: LimitName, tenantId: string): string {
    const spec = LIMIT_SPECS[name];
    const own = this.overrides.get(tenantId)?.[name];
    return own === undefined
      ? `${spec.noun} ${spec.variable}=${showLimit(name, this.defaults[name])}`
      : `${spec.noun} ${spec.key}=${showLimit(name, own)} (tenant ${tenantId}'s limits in API_KEYS_FILE)`;
  }
}
