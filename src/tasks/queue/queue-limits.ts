import type { Config } from '../../config.js';
import type { Tenant } from '../../tenancy/tenant.js';
import type { QueueLimits } from './task-queue.js';

/** The queue's bounds from the configuration: slots, TASK_QUEUE_MAX, tenant caps, lease and affinity. */
export function queueLimits(config: Config, tenants: readonly Tenant[]): QueueLimits {
  const tenantCaps: Record<string, number> = {};
  for (const tenant of tenants) if (tenant.maxConcurrent !== null) tenantCaps[tenant.id] = tenant.maxConcurrent;
  return {
    maxConcurrent: config.sessions.maxConcurrent,
    queueMax: config.tasks.queueMax,
    tenantCaps,
    leaseMs: config.queue.leaseSeconds * 1000,
    affinityMs: config.queue.affinitySeconds * 1000,
  };
}
