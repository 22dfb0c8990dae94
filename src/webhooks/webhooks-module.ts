import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Module } from '../server/module.js';
import type { Store } from '../storage/store.js';
import type { TenantRegistry } from '../tenancy/tenant-registry.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookOutbox, type PushPayload } from './webhook-outbox.js';

/** Webhooks: the outbox tasks write to, and the dispatcher that delivers (with retries) from it. */
export function createWebhooksModule(deps: {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  store: Store;
  tenants: TenantRegistry;
  now: () => Date;
  /** The body for deliveries to an agent protocol's push-notification config. */
  pushPayload?: PushPayload;
}): Module<WebhookOutbox> {
  const { config, store, tenants, metrics, now } = deps;
  const dispatcher = new WebhookDispatcher(
    store,
    {
      secretFor: (tenantId) => tenants.get(tenantId)?.webhookSecret ?? config.webhooks.secret,
      allowPrivate: config.webhooks.allowPrivate,
      retryBaseMs: config.webhooks.retryBaseMs,
      maxAgeMs: config.webhooks.maxAgeHours * 3_600_000,
      timeoutMs: config.webhooks.timeoutSeconds * 1000,
    },
    deps.logger.child('webhooks'),
    now,
    (result) => metrics.webhookDeliveries.inc({ result }),
  );
  return {
    api: new WebhookOutbox(store, () => dispatcher.wake(), now, undefined, deps.pushPayload),
    // Deliveries left pending by a previous run are picked up here too.
    start: () => dispatcher.start(),
    stop: () => dispatcher.stop(),
  };
}
