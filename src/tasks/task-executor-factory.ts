import path from 'node:path';
import type { AgentSandbox } from '../agent/isolation/agent-sandbox.js';
import type { AgentProcessManager } from '../agent/process-manager.js';
import { ChangeTracker } from '../changes/change-tracker.js';
import type { Config } from '../config.js';
import type { EventLog } from '../events/event-log.js';
import type { ModelProxyApi } from '../model-proxy/model-proxy-module.js';
import type { Logger } from '../observability/logger.js';
import type { Redactor } from '../observability/redact.js';
import type { TaskTraces } from '../observability/tracing/task-traces.js';
import { tracedRunner } from '../observability/tracing/traced-runner.js';
import { traceLogFields } from '../observability/tracing/trace-context.js';
import type { SessionsApi } from '../sessions/sessions-module.js';
import type { StorageHealth } from '../storage/storage-health.js';
import type { Store } from '../storage/store.js';
import type { WorkspaceChecks } from '../workspaces/workspace-checks.js';
import type { LocalApprovals } from './local-approvals.js';
import { DEFAULT_ALLOWED_TOOLS, DEFAULT_PERMISSION_MODE } from './task-defaults.js';
import { TaskExecutor } from './task-executor.js';
import type { TaskFinisher } from './task-finisher.js';
import type { Task } from './task-types.js';

/**
 * The executor that runs this instance's tasks, and the change tracker it records their changes
 * with. A model failure (seen by the proxy) or a spent budget (seen by the meter) stops the task.
 */
export function createTaskExecutor(deps: {
  config: Config;
  logger: Logger;
  now: () => Date;
  store: Store;
  storageHealth: StorageHealth;
  events: EventLog;
  redact: Redactor;
  sessions: SessionsApi;
  agents: AgentProcessManager;
  sandbox: AgentSandbox;
  workspaces: WorkspaceChecks;
  model: ModelProxyApi;
  finisher: TaskFinisher;
  approvals: LocalApprovals;
  slotDir: string;
  traces?: TaskTraces;
}): { executor: TaskExecutor; changes: ChangeTracker } {
  const { config, logger, sessions, workspaces, model } = deps;
  const changes = new ChangeTracker(deps.sandbox, path.join(deps.slotDir, 'tmp', 'changes'), logger.child('changes'));
  const executor = new TaskExecutor({
    changes,
    store: deps.store,
    events: deps.events,
    runner: deps.traces ? tracedRunner(deps.agents, deps.traces) : deps.agents,
    onRunning: (task) => {
      deps.traces?.taskRunning(task);
      return traceLogFields(task);
    },
    approvals: deps.approvals,
    sessions: sessions.service,
    finisher: deps.finisher,
    logger: logger.child('tasks'),
    now: deps.now,
    redact: deps.redact,
    beforeRun: (sessionId, taskCount) => sessions.transcripts.beforeRun(sessionId, taskCount),
    storage: deps.storageHealth,
    checkWorkspace: (task: Task) => workspaces.beforeStart(task.tenant_id, task.task_id, task.workspace),
    meter: model.meter,
    modelGate: model.gate,
    settings: {
      defaultMaxTurns: config.claude.maxTurns,
      defaultModel: config.claude.defaultModel,
      defaultAllowedTools: DEFAULT_ALLOWED_TOOLS,
      defaultPermissionMode: DEFAULT_PERMISSION_MODE,
      tenantMcpServers: (tenantId) => config.api.tenants.find((tenant) => tenant.id === tenantId)?.mcpServers,
      interruptGraceMs: config.tasks.interruptGraceMs,
      instanceId: config.instanceId,
      defaultTimeoutSeconds: config.tasks.defaultTimeoutSeconds,
    },
  });
  deps.finisher.onFinish((task) => workspaces.ended(task.task_id));
  model.proxy.onModelFailure((taskId, failure) => executor.failFromModel(taskId, failure));
  model.meter.onOverBudget((taskId, spentUsd) => executor.stopForBudget(taskId, spentUsd));
  return { executor, changes };
}
