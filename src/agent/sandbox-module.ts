import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { Module } from '../server/module.js';
import type { TenantRegistry } from '../tenancy/tenant-registry.js';
import { WorkspaceChecks } from '../workspaces/workspace-checks.js';
import { AgentSandbox } from './isolation/agent-sandbox.js';
import { planIsolation, type IsolationMode } from './isolation/isolation-mode.js';
import { LimitPolicy } from './isolation/limits/resource-limits.js';
import { SandboxLimits, type LimitsReport } from './isolation/limits/sandbox-limits.js';
import type { SharedUidAllocator } from './isolation/tenant-uids.js';

export interface SandboxApi {
  sandbox: AgentSandbox;
  workspaces: WorkspaceChecks;
  /** How agent processes are confined (AGENT_ISOLATION), as /health reports it. */
  isolation: IsolationMode;
  /** The limits every agent sandbox gets and how they are enforced, as /health reports them. */
  limits: LimitsReport;
  isRoot: boolean;
}

/**
 * Where agents run: the isolation plan, each sandbox's limits, and the checks on a task's
 * workspace. Ready when built (tenant uids allocated): agent processes take their identity from it.
 */
export async function createSandboxModule(deps: {
  config: Config;
  logger: Logger;
  tenants: TenantRegistry;
  /** This server's own part of DATA_DIR. */
  slotDir: string;
  uids: SharedUidAllocator | null;
}): Promise<Module<SandboxApi>> {
  const { config, tenants } = deps;
  const logger = deps.logger.child('agents');
  const isRoot = process.getuid?.() === 0;
  const isolation = planIsolation(config.isolation.setting, { isRoot, platform: process.platform });
  logger.info(isolation.summary, { isolation: isolation.mode });
  const limits = SandboxLimits.start(
    new LimitPolicy(config.limits, new Map(config.api.tenants.map((t) => [t.id, t.limits ?? {}]))),
    { isolation: isolation.mode, isRoot },
    {
      onLeftover: (group) => logger.warn('An agent sandbox cgroup could not be removed yet', { procs: group.procsFiles }),
      onYield: (tenant, yielding) =>
        logger.info(
          yielding ? 'A busy tenant (over half the CPU) yields to the server and the other tenants' : 'A tenant is no longer busy: its CPU weight is back',
          {
            tenant,
          },
        ),
    },
  );
  logger.info(limits.summary, { limits: limits.mechanism });
  const sandbox = new AgentSandbox(isolation, {
    dataDir: config.dataDir,
    homesDir: path.join(deps.slotDir, 'agent-homes'),
    workspaceRoot: config.workspaceRoot,
    tenants: [tenants.defaultTenant, ...config.api.tenants].map((t) => ({ id: t.id, workspaceDir: t.workspaceDir })),
    uidBase: config.isolation.uidBase,
    sharedUids: deps.uids,
    limits,
    readOnlyPaths: config.isolation.readOnlyPaths,
  });
  for (const warning of await sandbox.init()) logger.warn(warning);
  return {
    api: { sandbox, workspaces: new WorkspaceChecks(sandbox), isolation: isolation.mode, limits: limits.report(), isRoot },
    stop: async () => {
      // A process's home is emptied in a sandbox once it exits: the agents module stops first.
      await sandbox.homesRemoved();
      limits.close();
      sandbox.closeWorkers();
    },
  };
}
