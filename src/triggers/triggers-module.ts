import type { AgentSandbox } from '../agent/isolation/agent-sandbox.js';
import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Module } from '../server/module.js';
import type { TaskService } from '../tasks/task-service.js';
import type { TenantRegistry } from '../tenancy/tenant-registry.js';
import { locateWorkspace } from '../workspaces/workspace-preparation.js';
import { triggerFireCounter } from './trigger-metrics.js';
import { TriggerService } from './trigger-service.js';
import type { TriggerStore } from './trigger-types.js';

export interface TriggersApi {
  service: TriggerService;
}

/** Triggers: nothing runs in the background; every fire is a request. */
export function createTriggersModule(deps: {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
  store: TriggerStore;
  tenants: TenantRegistry;
  tasks: TaskService;
  sandbox: Pick<AgentSandbox, 'identityFor'>;
}): Module<TriggersApi> {
  const service = new TriggerService({
    store: deps.store,
    tasks: deps.tasks,
    tenantOf: (id) => deps.tenants.get(id),
    // Text only: the path must stay inside the tenant's root. The disk is looked at when a fire runs (in the sandbox).
    checkWorkspace: (tenantId, workspace) => void locateWorkspace(deps.sandbox.identityFor(tenantId), workspace),
    now: deps.now,
    logger: deps.logger.child('triggers'),
    firePerMinute: deps.config.api.triggerFirePerMinute,
    countFire: triggerFireCounter(deps.metrics.registry),
  });
  return { api: { service } };
}
