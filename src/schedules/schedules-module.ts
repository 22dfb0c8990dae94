import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import { DomainError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Module } from '../server/module.js';
import type { Store } from '../storage/store.js';
import { checkRequireApproval } from '../tasks/approval-options.js';
import { McpSubmitChecks } from '../mcp/mcp-submit-checks.js';
import { taskDefaultTools } from '../mcp/mcp-servers.js';
import type { SecretReader } from '../secrets/secret-types.js';
import { SubmitChecks } from '../tasks/submit-checks.js';
import { DEFAULT_ALLOWED_TOOLS } from '../tasks/task-defaults.js';
import type { TaskService } from '../tasks/task-service.js';
import type { Tenant } from '../tenancy/tenant.js';
import type { TenantRegistry } from '../tenancy/tenant-registry.js';
import { systemClock, type ScheduleClock } from './schedule-clock.js';
import { ScheduleEngine } from './schedule-engine.js';
import { ScheduleFiring } from './schedule-firing.js';
import { registerScheduleMetrics } from './schedule-metrics.js';
import { ScheduleService } from './schedule-service.js';
import type { ScheduleStore } from './schedule-store.js';
import type { ScheduleTaskTemplate } from './schedule-types.js';

export interface SchedulesApi {
  service: ScheduleService;
  engine: ScheduleEngine;
}

export interface SchedulesModuleDeps {
  config: Config;
  logger: Logger;
  now: () => Date;
  /** Tests move time by hand; default: the system clock (with `now`). */
  clock?: ScheduleClock;
  schedules: ScheduleStore;
  store: Store;
  tasks: TaskService;
  tenants: TenantRegistry;
  metrics: Metrics;
  /** The CLI refuses bypassPermissions as root. */
  isRoot: boolean;
  /** Refuses a workspace outside the tenant's tree, by its path alone (the disk is looked at when a tick fires). */
  locateWorkspace: (tenantId: string, requested: string) => void;
  /** The tenant secrets a template's MCP server headers may name; null: none are kept. */
  secrets?: SecretReader | null;
}

/** Schedules: the service behind the API, and the engine that fires them (started unless SCHEDULES_ENABLED=false). */
export function createSchedulesModule(deps: SchedulesModuleDeps): Module<SchedulesApi> {
  const { config, logger: parent, store, schedules } = deps;
  const logger = parent.child('schedules');
  const clock = deps.clock ?? systemClock(deps.now);
  const checks = new SubmitChecks(
    store,
    {
      webhookSecret: config.webhooks.secret,
      allowPrivateWebhooks: config.webhooks.allowPrivate,
      defaultEgressAllow: config.egress.allow,
      mcp: new McpSubmitChecks({ secrets: deps.secrets ?? null, allowPrivate: config.mcp.allowPrivate }),
    },
    clock.now,
  );
  const checkTemplate = async (tenant: Tenant, template: ScheduleTaskTemplate): Promise<void> => {
    if (template.options?.permission_mode === 'bypassPermissions' && deps.isRoot) {
      throw new DomainError('PERMISSION_MODE_REFUSED', 'permission_mode "bypassPermissions" is refused: the server runs as root');
    }
    if (template.workspace !== undefined) deps.locateWorkspace(tenant.id, template.workspace);
    checkRequireApproval(template.options, taskDefaultTools(DEFAULT_ALLOWED_TOOLS, tenant.mcpServers, template.options?.mcp_servers));
    checks.checkNetworkAllow(tenant, template.options?.network?.allow);
    // Refused now rather than at every tick: a secret the template names, an address it may not reach.
    await checks.checkMcpServers(tenant, template.options?.mcp_servers);
    if (template.webhook !== undefined) await checks.webhookFor(tenant, template.webhook);
  };
  const firing = new ScheduleFiring({
    schedules,
    store,
    tasks: deps.tasks,
    tenantOf: (id) => deps.tenants.get(id),
    metrics: registerScheduleMetrics(deps.metrics.registry),
    logger,
    now: clock.now,
  });
  const engine = new ScheduleEngine({
    schedules,
    firing,
    clock,
    holder: config.instanceId,
    leaseMs: config.schedules.leaseSeconds * 1000,
    misfireGraceMs: config.schedules.misfireGraceSeconds * 1000,
    logger,
  });
  const service = new ScheduleService({
    schedules,
    tasks: store,
    now: clock.now,
    newScheduleId: () => `sched-${randomUUID()}`,
    checkTemplate,
    onChange: () => engine.wake(),
  });
  return {
    api: { service, engine },
    start: () => {
      if (config.schedules.enabled) engine.start();
    },
    stop: () => engine.stop(),
  };
}
