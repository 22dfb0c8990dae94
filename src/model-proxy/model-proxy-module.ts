import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Module } from '../server/module.js';
import { CredentialBroker } from './credential-broker.js';
import { ModelGate } from './model-gate.js';
import { DEFAULT_MODEL_API_URL, ModelProxy } from './model-proxy.js';
import { registerModelProxyMetrics } from './proxy-metrics.js';
import { TaskMeter } from './task-meter.js';
import type { ModelCallObserver } from './model-call-observer.js';

export interface ModelProxyApi {
  /** The loopback credential proxy every agent process calls the model through. */
  proxy: ModelProxy;
  credentials: CredentialBroker;
  /** Each running task's spend, as the proxy sees it. */
  meter: TaskMeter;
  gate: ModelGate;
}

/** Listens at once: agent processes are configured with the proxy's address. */
export async function createModelProxyModule(deps: {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  observer?: ModelCallObserver;
}): Promise<Module<ModelProxyApi>> {
  const { config } = deps;
  const credentials = new CredentialBroker();
  const meter = new TaskMeter();
  const gate = new ModelGate();
  const proxy = await ModelProxy.start({
    upstreamUrl: config.claude.baseUrl ?? DEFAULT_MODEL_API_URL,
    apiKey: config.claude.apiKey,
    credentials,
    retry: {
      maxAttempts: config.model.retryMaxAttempts,
      budgetMs: config.model.retryBudgetSeconds * 1000,
      baseDelayMs: config.model.retryBaseDelayMs,
      maxDelayMs: config.model.retryMaxDelayMs,
    },
    stallTimeoutMs: config.model.stallTimeoutSeconds * 1000,
    logger: deps.logger.child('model-proxy'),
    metrics: registerModelProxyMetrics(deps.metrics.registry),
    meter,
    gate,
    ...(deps.observer ? { observer: deps.observer } : {}),
  });
  return { api: { proxy, credentials, meter, gate }, stop: () => proxy.close() };
}
