import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { ISOLATION_SETTINGS, type IsolationSetting } from './agent/isolation/isolation-mode.js';
import { parseHostPatterns, splitPatternList, type HostPattern } from './egress/host-patterns.js';
import { isInside } from './lib/paths.js';
import { readOnlyPaths } from './agent/isolation/readonly-paths.js';
import { readMcpConfig } from './mcp/mcp-config.js';
import { DEFAULT_LIMITS, LIMIT_SPECS, parseLimit, type LimitName, type ResourceLimits } from './agent/isolation/limits/resource-limits.js';
import { EnvReader, type Env } from './lib/env-reader.js';
import { loadKeysFile } from './tenancy/keys-file.js';
import { readTracingConfig, type TracingConfig } from './observability/tracing/tracing-config.js';
import type { Tenant } from './tenancy/tenant.js';
import { readSecretsConfig, type SecretsConfig } from './secrets/secrets-config.js';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export type StorageType = 'memory' | 'sqlite' | 'redis';

export interface Config {
  readonly server: {
    readonly host: string;
    readonly port: number;
    readonly logLevel: LogLevel;
    /** A client must send its request headers within this (slow senders are cut). */
    readonly headersTimeoutSeconds: number;
    /** A client must send its whole request (headers and body) within this. */
    readonly requestTimeoutSeconds: number;
    /** Open client connections beyond this are answered 503 TOO_MANY_CONNECTIONS and closed. */
    readonly maxConnections: number;
  };
  readonly api: {
    readonly authEnabled: boolean;
    readonly apiKey: string | undefined;
    /** Tenants from API_KEYS_FILE (empty without one). */
    readonly tenants: readonly Tenant[];
    readonly rateLimitEnabled: boolean;
    readonly rateLimitPerMinute: number;
    /** Fire attempts per trigger per minute (TRIGGER_FIRE_RATE_PER_MINUTE), wrong tokens included. */
    readonly triggerFirePerMinute: number;
    readonly maxBodyBytes: number;
    /** Largest file PUT /api/v1/sessions/{id}/files takes (FILE_UPLOAD_MAX_BYTES); larger ones get 413. */
    readonly fileUploadMaxBytes: number;
  };
  readonly claude: {
    readonly apiKey: string;
    readonly baseUrl: string | undefined;
    readonly defaultModel: string | undefined;
    readonly maxTurns: number;
    /** Extra variable names copied from the server's environment into the agent's. */
    readonly envPassthrough: readonly string[];
  };
  readonly sessions: {
    readonly maxConcurrent: number;
    readonly idleTimeoutSeconds: number;
    readonly cleanupIntervalSeconds: number;
    /** Spare agent processes kept started ahead of need (WARM_POOL_SIZE). */
    readonly warmPoolSize: number;
  };
  readonly tasks: {
    readonly queueMax: number;
    readonly interruptGraceMs: number;
    readonly retentionDays: number;
    /** Applies to tasks submitted without `timeout`; 0 means no limit. */
    readonly defaultTimeoutSeconds: number;
  };
  readonly storage: {
    readonly type: StorageType;
    readonly sqlitePath: string;
    readonly redisHost: string;
    readonly redisPort: number;
    /** While storage fails, how often a test write checks whether it works again. */
    readonly probeIntervalSeconds: number;
    /** STORAGE_REDIS_URL: overrides host and port (rediss:// for TLS, password, database). */
    readonly redisUrl: string | undefined;
    readonly redisPrefix: string;
  };
  /** The shared queue's leases (STORAGE_TYPE=redis); see docs/scaling.md "Queue, leases and failover". */
  readonly queue: { readonly leaseSeconds: number; readonly affinitySeconds: number; readonly pollMs: number };
  /** This instance's name in task records, /health and metrics (INSTANCE_ID). */
  readonly instanceId: string;
  readonly workspaceRoot: string;
  readonly dataDir: string;
  readonly metricsPort: number;
  /** METRICS_AUTH_TOKEN: when set, GET /metrics needs `Authorization: Bearer <it>`. */
  readonly metricsAuthToken: string | undefined;
  readonly shutdownGraceSeconds: number;
  readonly streams: { readonly maxBufferedBytes: number; readonly stallTimeoutSeconds: number };
  readonly webhooks: {
    /** Signs webhooks of tenants without a secret of their own (WEBHOOK_SECRET). */
    readonly secret: string | undefined;
    /** Let webhooks reach loopback, link-local and private addresses (tests, trusted networks). */
    readonly allowPrivate: boolean;
    readonly retryBaseMs: number;
    readonly maxAgeHours: number;
    readonly timeoutSeconds: number;
  };
  /** API_MONTHLY_BUDGET_USD: the default tenant's monthly budget (tenants set theirs in API_KEYS_FILE). */
  readonly monthlyBudgetUsd: number | undefined;
  /** Supervision of model calls by the credential proxy (src/model-proxy). */
  readonly model: {
    readonly retryMaxAttempts: number;
    readonly retryBudgetSeconds: number;
    readonly retryBaseDelayMs: number;
    readonly retryMaxDelayMs: number;
    /** AGENT_STALL_TIMEOUT_SECONDS: a model request that sends nothing this long is cut. */
    readonly stallTimeoutSeconds: number;
  };
  /** AGENT_ISOLATION, AGENT_UID_BASE (a uid per tenant as root), AGENT_READONLY_PATHS (host directories every sandbox sees read-only). */
  readonly isolation: { readonly setting: IsolationSetting; readonly uidBase: number; readonly readOnlyPaths: readonly string[] };
  /**
   * Where sandboxed agents may connect through the egress proxy (src/egress): AGENT_EGRESS_ALLOW
   * (tenants may replace it with their keys file `egress_allow`), and AGENT_EGRESS_ALLOW_PRIVATE.
   */
  readonly egress: { readonly allow: readonly HostPattern[]; readonly allowPrivate: boolean };
  /** AGENT_MEMORY_MAX, AGENT_PIDS_MAX, AGENT_TMP_SIZE, AGENT_CPU_WEIGHT: each sandbox's limits (tenants may override). */
  readonly limits: ResourceLimits;
  /**
   * SCHEDULES_ENABLED (this instance fires schedules), SCHEDULE_LEASE_SECONDS (how long the firing
   * instance's lease lasts unrenewed: the longest a dead leader's ticks wait for another instance),
   * SCHEDULE_MISFIRE_GRACE_SECONDS (a tick later than this counts as missed and follows catch_up).
   */
  readonly schedules: { readonly enabled: boolean; readonly leaseSeconds: number; readonly misfireGraceSeconds: number };
  /** OpenTelemetry traces from the standard OTEL_* variables (docs/tracing.md); off unless an exporter is set. */
  readonly tracing: TracingConfig;
  /** MCP_ALLOW_PRIVATE (mcp-config.ts); SECRETS_KEY and SECRETS_KEY_PREVIOUS, tenant secrets at rest (docs/secrets.md). */
  readonly mcp: { readonly allowPrivate: boolean };
  readonly secrets: SecretsConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVEL_ALIASES: Record<string, LogLevel> = {
  DEBUG: 'DEBUG',
  INFO: 'INFO',
  WARN: 'WARN',
  WARNING: 'WARN',
  ERROR: 'ERROR',
  CRITICAL: 'ERROR',
};

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const r = new EnvReader(env);
  const limit = (name: LimitName) => r.parsed(LIMIT_SPECS[name].variable, DEFAULT_LIMITS[name], (value) => parseLimit(name, value, LIMIT_SPECS[name].variable));

  const logLevelRaw = r.raw('SERVER_LOG_LEVEL');
  const logLevel = logLevelRaw === undefined ? 'INFO' : LOG_LEVEL_ALIASES[logLevelRaw.toUpperCase()];
  if (logLevel === undefined) r.problems.push(`SERVER_LOG_LEVEL must be one of DEBUG, INFO, WARN, ERROR (got "${logLevelRaw}")`);

  const claudeApiKey = r.raw('CLAUDE_API_KEY') ?? r.raw('ANTHROPIC_API_KEY');
  if (claudeApiKey === undefined) r.problems.push('CLAUDE_API_KEY not set (ANTHROPIC_API_KEY is accepted as a fallback)');

  const authEnabled = r.bool('API_AUTH_ENABLED', false);
  const apiKey = r.raw('API_API_KEY');
  const keysFile = r.raw('API_KEYS_FILE');
  const keys = keysFile === undefined ? { tenants: [], problems: [] } : loadKeysFile(path.resolve(cwd, keysFile));
  r.problems.push(...keys.problems);
  if (authEnabled && apiKey === undefined && keysFile === undefined) {
    r.problems.push('API_AUTH_ENABLED is true but neither API_API_KEY nor API_KEYS_FILE is set');
  }

  const storageType = r.oneOf<StorageType>('STORAGE_TYPE', ['memory', 'sqlite', 'redis'], 'sqlite', (v) => v.toLowerCase());
  const redisUrl = r.raw('STORAGE_REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\/[^\s]*$/.test(redisUrl)) {
    r.problems.push('STORAGE_REDIS_URL must be a redis:// or rediss:// URL (got a value that is not)');
  }
  const redisPrefix = r.string('STORAGE_REDIS_PREFIX', 'ccs');
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(redisPrefix)) r.problems.push(`STORAGE_REDIS_PREFIX must be 1-64 letters, digits, '_', '.' or '-' (got "${redisPrefix}")`);
  const instanceId = r.string('INSTANCE_ID', `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`);
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(instanceId)) r.problems.push(`INSTANCE_ID must be 1-128 letters, digits, '_', '.', ':' or '-' (got "${instanceId}")`);
  const dataDir = path.resolve(cwd, r.string('DATA_DIR', './data'));
  const workspaceRoot = path.resolve(cwd, r.string('WORKSPACE_ROOT', './workspaces'));
  const sqlitePath = path.resolve(cwd, r.string('STORAGE_SQLITE_PATH', path.join(dataDir, 'claude-code-server.db')));
  // Agents may read and write everything under WORKSPACE_ROOT (the default tenant's sandbox is all of it).
  for (const [name, file] of [
    ['DATA_DIR', dataDir],
    ['STORAGE_SQLITE_PATH', sqlitePath],
  ] as const) {
    if (isInside(file, workspaceRoot)) {
      r.problems.push(
        `${name} (${file}) must not be inside WORKSPACE_ROOT (${workspaceRoot}): agents work there and could reach the server's database and transcripts`,
      );
    }
  }

  const egressAllow = parseHostPatterns(splitPatternList(r.raw('AGENT_EGRESS_ALLOW')));
  const config: Config = {
    server: {
      host: r.string('SERVER_HOST', '0.0.0.0'),
      port: r.int('SERVER_PORT', 8000, 0, 65535),
      logLevel: logLevel ?? 'INFO',
      headersTimeoutSeconds: r.int('SERVER_HEADERS_TIMEOUT_SECONDS', 20, 1, 3600),
      requestTimeoutSeconds: r.int('SERVER_REQUEST_TIMEOUT_SECONDS', 30, 1, 3600),
      maxConnections: r.int('SERVER_MAX_CONNECTIONS', 1000, 1, 1_000_000),
    },
    api: {
      authEnabled,
      apiKey,
      tenants: keys.tenants,
      rateLimitEnabled: r.bool('API_RATE_LIMIT_ENABLED', true),
      rateLimitPerMinute: r.int('API_RATE_LIMIT_PER_MINUTE', 100, 1),
      triggerFirePerMinute: r.int('TRIGGER_FIRE_RATE_PER_MINUTE', 30, 1),
      maxBodyBytes: r.int('API_MAX_BODY_BYTES', 1024 * 1024, 1024),
      fileUploadMaxBytes: r.int('FILE_UPLOAD_MAX_BYTES', 100 * 1024 * 1024, 1),
    },
    claude: {
      apiKey: claudeApiKey ?? '',
      baseUrl: r.url('CLAUDE_BASE_URL'),
      defaultModel: r.raw('CLAUDE_DEFAULT_MODEL'),
      maxTurns: r.int('CLAUDE_MAX_TURNS', 50, 1, 10_000),
      envPassthrough: r.list('AGENT_ENV_PASSTHROUGH'),
    },
    sessions: {
      maxConcurrent: r.int('SESSION_MAX_CONCURRENT', 10, 1, 1000),
      idleTimeoutSeconds: r.int('SESSION_IDLE_TIMEOUT_SECONDS', 1800, 1),
      cleanupIntervalSeconds: r.int('SESSION_CLEANUP_INTERVAL_SECONDS', 300, 1),
      warmPoolSize: r.int('WARM_POOL_SIZE', 1, 0, 100),
    },
    tasks: {
      queueMax: r.int('TASK_QUEUE_MAX', 100, 0, 1_000_000),
      interruptGraceMs: r.int('TASK_INTERRUPT_GRACE_MS', 3000, 0, 60_000),
      retentionDays: r.int('TASK_RETENTION_DAYS', 30, 0, 36_500),
      defaultTimeoutSeconds: r.int('TASK_DEFAULT_TIMEOUT_SECONDS', 3600, 0, 7 * 24 * 3600),
    },
    storage: {
      type: storageType,
      sqlitePath,
      redisHost: r.string('STORAGE_REDIS_HOST', 'localhost'),
      redisPort: r.int('STORAGE_REDIS_PORT', 6379, 1, 65535),
      redisUrl,
      redisPrefix,
      probeIntervalSeconds: r.int('STORAGE_PROBE_INTERVAL_SECONDS', 5, 1, 3600),
    },
    queue: {
      leaseSeconds: r.int('QUEUE_LEASE_SECONDS', 30, 1, 3600),
      affinitySeconds: r.int('QUEUE_AFFINITY_SECONDS', 5, 0, 3600),
      pollMs: r.int('QUEUE_POLL_MS', 1000, 50, 60_000),
    },
    instanceId,
    workspaceRoot,
    dataDir,
    metricsPort: r.int('METRICS_PORT', 9090, 0, 65535),
    metricsAuthToken: r.raw('METRICS_AUTH_TOKEN'),
    shutdownGraceSeconds: r.int('SHUTDOWN_GRACE_SECONDS', 10, 0, 3600),
    streams: {
      maxBufferedBytes: r.int('STREAM_MAX_BUFFERED_BYTES', 1024 * 1024, 1024),
      stallTimeoutSeconds: r.int('STREAM_STALL_TIMEOUT_SECONDS', 30, 1, 3600),
    },
    webhooks: {
      secret: r.raw('WEBHOOK_SECRET'),
      allowPrivate: r.bool('WEBHOOK_ALLOW_PRIVATE', false),
      retryBaseMs: r.int('WEBHOOK_RETRY_BASE_MS', 10_000, 10, 3_600_000),
      maxAgeHours: r.int('WEBHOOK_MAX_AGE_HOURS', 24, 1, 24 * 30),
      timeoutSeconds: r.int('WEBHOOK_TIMEOUT_SECONDS', 10, 1, 300),
    },
    monthlyBudgetUsd: r.positiveNumber('API_MONTHLY_BUDGET_USD'),
    model: {
      retryMaxAttempts: r.int('MODEL_RETRY_MAX_ATTEMPTS', 10, 1, 100),
      retryBudgetSeconds: r.int('MODEL_RETRY_BUDGET_SECONDS', 60, 0, 3600),
      retryBaseDelayMs: r.int('MODEL_RETRY_BASE_DELAY_MS', 1000, 0, 60_000),
      retryMaxDelayMs: r.int('MODEL_RETRY_MAX_DELAY_MS', 15_000, 0, 600_000),
      stallTimeoutSeconds: r.int('AGENT_STALL_TIMEOUT_SECONDS', 300, 1, 86_400),
    },
    isolation: {
      setting: r.oneOf<IsolationSetting>('AGENT_ISOLATION', ISOLATION_SETTINGS, 'auto', (v) => v.toLowerCase()),
      uidBase: r.int('AGENT_UID_BASE', 200_000, 1000, 2_000_000_000),
      readOnlyPaths: readOnlyPaths(splitPatternList(r.raw('AGENT_READONLY_PATHS')), [dataDir, workspaceRoot], r.problems),
    },
    egress: { allow: egressAllow.patterns, allowPrivate: r.bool('AGENT_EGRESS_ALLOW_PRIVATE', false) },
    limits: { memoryMax: limit('memoryMax'), pidsMax: limit('pidsMax'), tmpSize: limit('tmpSize'), cpuWeight: limit('cpuWeight') },
    schedules: {
      enabled: r.bool('SCHEDULES_ENABLED', true),
      leaseSeconds: r.int('SCHEDULE_LEASE_SECONDS', 15, 1, 3600),
      misfireGraceSeconds: r.int('SCHEDULE_MISFIRE_GRACE_SECONDS', 60, 1, 86_400),
    },
    tracing: readTracingConfig(r),
    mcp: readMcpConfig(r, keysFile !== undefined),
    secrets: readSecretsConfig(r),
  };
  if (config.schedules.misfireGraceSeconds <= config.schedules.leaseSeconds) {
    // Ticks a dead leader left behind are late by up to a lease; they must still fire, not count as missed.
    r.problems.push('SCHEDULE_MISFIRE_GRACE_SECONDS must be longer than SCHEDULE_LEASE_SECONDS');
  }
  if (config.webhooks.secret !== undefined && config.webhooks.secret.length < 16) {
    r.problems.push('WEBHOOK_SECRET must be at least 16 characters');
  }
  if (egressAllow.problems.length > 0) r.problems.push(...egressAllow.problems.map((p) => `AGENT_EGRESS_ALLOW: ${p}`));
  if (config.metricsAuthToken !== undefined && config.metricsAuthToken.length < 16) {
    r.problems.push('METRICS_AUTH_TOKEN must be at least 16 characters');
  }
  if (config.metricsPort !== 0 && config.metricsPort === config.server.port) {
    r.problems.push(`METRICS_PORT must differ from SERVER_PORT (both ${config.metricsPort})`);
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return Object.freeze(config);
}
