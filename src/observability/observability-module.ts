import type { Config } from '../config.js';
import type { Module } from '../server/module.js';
import type { StorageHealth } from '../storage/storage-health.js';
import { redisSecrets } from '../backends/redis/redis-secrets.js';
import type { TenantRegistry } from '../tenancy/tenant-registry.js';
import { registerFaultMetrics } from './fault-metrics.js';
import { Metrics } from './metrics.js';
import { serverRedactor, type Redactor } from './redact.js';

export interface ObservabilityApi {
  /** Prometheus metrics, served on METRICS_PORT. */
  metrics: Metrics;
  /** Takes every secret the server knows out of text that leaves it (events, logs, results). */
  redact: Redactor;
}

export function createObservabilityModule(deps: {
  config: Config;
  tenants: TenantRegistry;
  storageHealth: StorageHealth;
  /** One instance among several on shared storage: its series carry an `instance` label. */
  shared: boolean;
  serverEnv: Readonly<Record<string, string | undefined>>;
}): Module<ObservabilityApi> {
  const { config, tenants, storageHealth } = deps;
  const redact = serverRedactor(
    [
      config.claude.apiKey,
      config.api.apiKey,
      config.metricsAuthToken,
      ...redisSecrets(config),
      config.webhooks.secret,
      config.secrets.key,
      ...config.secrets.previousKeys,
      ...tenants.all().map((t) => t.webhookSecret ?? undefined),
    ],
    deps.serverEnv,
  );
  // One instance keeps the unlabelled series the metric names document.
  const metrics = new Metrics(deps.shared ? { instanceId: config.instanceId } : {});
  registerFaultMetrics(metrics.registry, { storageDegraded: () => storageHealth.degraded, pendingWrites: () => storageHealth.pendingWrites });
  return { api: { metrics, redact } };
}
