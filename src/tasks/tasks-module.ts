import { randomUUID } from 'node:crypto';
import type { AgentSandbox } from '../agent/isolation/agent-sandbox.js';
import type { AgentProcessManager } from '../agent/process-manager.js';
import type { Config } from '../config.js';
import type { EventsApi } from '../events/events-module.js';
import type { ModelProxyApi } from '../model-proxy/model-proxy-module.js';
import { McpSubmitChecks } from '../mcp/mcp-submit-checks.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Redactor } from '../observability/redact.js';
import type { SecretReader } from '../secrets/secret-types.js';
import type { Module } from '../server/module.js';
import type { SessionsApi } from '../sessions/sessions-module.js';
import type { StorageApi } from '../server/storage-module.js';
import type { WebhookOutbox } from '../webhooks/webhook-outbox.js';
import type { WorkspaceChecks } from '../workspaces/workspace-checks.js';
import { Approvals } from './approvals.js';
import { LocalApprovals } from './local-approvals.js';
import { createControlPlane } from './queue/control-plane.js';
import { Retention } from './retention.js';
import type { Scheduler } from './scheduler.js';
import { SubmitChecks } from './submit-checks.js';
import { DEFAULT_ALLOWED_TOOLS } from './task-defaults.js';
import { createTaskExecutor } from './task-executor-factory.js';
import type { TaskExecutor } from './task-executor.js';
import { TaskFinisher } from './task-finisher.js';
import { TaskService } from './task-service.js';
import type { TaskTraces } from '../observability/tracing/task-traces.js';

export interface TasksApi {
  service: TaskService;
  /** Tool calls waiting for a client's approval, for tasks held here or (shared queue) by another instance. */
  approvals: Approvals;
  scheduler: Scheduler;
  executor: TaskExecutor;
  /** From now on submits are refused (503) and /health says `shutting_down`. */
  beginShutdown(): void;
  isShuttingDown(): boolean;
}

/**
 * Tasks from submit to their final record: the service the API calls, the queue and this
 * instance's scheduler (the control plane), the executor, approvals, and retention.
 */
export async function createTasksModule(deps: {
  config: Config;
  logger: Logger;
  now: () => Date;
  newTaskId?: () => string;
  storage: StorageApi;
  events: EventsApi;
  redact: Redactor;
  metrics: Metrics;
  sessions: SessionsApi;
  agents: AgentProcessManager;
  sandbox: AgentSandbox;
  workspaces: WorkspaceChecks;
  model: ModelProxyApi;
  outbox: WebhookOutbox;
  isRoot: boolean;
  slotDir: string;
  /** Each task's spans (tracing); absent: tasks are not traced. */
  traces?: TaskTraces;
  /** The tenant secrets MCP server headers may name; null: none are kept (no SECRETS_KEY). */
  secrets: SecretReader | null;
}): Promise<Module<TasksApi>> {
  const { config, logger, now, storage, events, sessions, agents, outbox, metrics } = deps;
  const { store, health: storageHealth } = storage;
  const tasksLogger = logger.child('tasks');
  const finisher = new TaskFinisher(store, events.log, tasksLogger, now, deps.redact, storageHealth, [(task) => outbox.taskFinished(task)]);
  // Before recovery, so that tasks it finishes (SERVER_RESTARTED) are counted too.
  metrics.observeTasks(finisher);
  const { traces } = deps;
  if (traces) finisher.onFinish((task) => traces.taskFinished(task));
  const localApprovals = new LocalApprovals({
    emit: (taskId, event) => events.log.append(taskId, event),
    notify: (task, request) => outbox.permissionRequested(task, request),
    logger: tasksLogger,
    now,
  });
  const { executor, changes } = createTaskExecutor({ ...deps, store, storageHealth, events: events.log, finisher, approvals: localApprovals });
  const closeLiveProcess = (sessionId: string): void => agents.closeSession(sessionId);
  const control = await createControlPlane({
    config,
    tenants: config.api.tenants,
    store,
    events: events.log,
    sessions: sessions.service,
    finisher,
    executor,
    fences: storage.fences,
    queue: storage.queue,
    transcripts: sessions.transcripts,
    closeLiveProcess,
    logger,
    now,
  });
  const { scheduler } = control;
  const approvals = new Approvals({
    local: localApprovals,
    events: events.log,
    shared: scheduler.shared,
    runsHere: (taskId) => scheduler.runsHere(taskId),
    relay: (taskId, requestId, answer) => scheduler.relayPermissionAnswer(taskId, requestId, answer),
  });
  // An answer another instance relays for a task held here.
  scheduler.onPermissionAnswer((taskId, requestId, answer) => {
    try {
      localApprovals.answer(taskId, requestId, answer);
    } catch {
      // Already settled here (its timeout, the task's end, or an earlier answer): the relaying instance reads the decision.
    }
  });
  metrics.setSources({
    queueDepth: () => scheduler.queuedCount,
    runningTasks: () => scheduler.runningCount,
    subscribers: () => events.stream.subscriberCount,
    activeSessions: sessions.activeCount,
  });
  let shuttingDown = false;
  const service = new TaskService({
    store,
    sessions: sessions.service,
    scheduler,
    executor,
    finisher,
    logger: tasksLogger,
    now,
    newTaskId: deps.newTaskId ?? (() => `task-${randomUUID()}`),
    bypassPermissionsAllowed: !deps.isRoot,
    isShuttingDown: () => shuttingDown,
    checks: new SubmitChecks(
      store,
      {
        webhookSecret: config.webhooks.secret,
        allowPrivateWebhooks: config.webhooks.allowPrivate,
        defaultEgressAllow: config.egress.allow,
        mcp: new McpSubmitChecks({ secrets: deps.secrets, allowPrivate: config.mcp.allowPrivate }),
      },
      now,
    ),
    onSessionDeleted: (sessionId) => {
      sessions.transcripts.forget(sessionId);
      closeLiveProcess(sessionId);
    },
    storage: storageHealth,
    stopWaitMs: 2 * config.queue.leaseSeconds * 1000 + config.tasks.interruptGraceMs,
    defaultAllowedTools: DEFAULT_ALLOWED_TOOLS,
    ...(traces ? { traces } : {}),
  });
  const retention = new Retention(store, config.tasks.retentionDays, 3_600_000, logger.child('retention'), now);

  return {
    api: {
      service,
      approvals,
      scheduler,
      executor,
      beginShutdown: () => {
        shuttingDown = true;
      },
      isShuttingDown: () => shuttingDown,
    },
    start: async () => {
      await control.start();
      retention.start();
    },
    stop: async () => {
      await control.close();
      await retention.stop();
      await changes.close().catch((error: unknown) => logger.warn('Could not remove the change-tracking shadows', { error }));
    },
  };
}
