import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { WebSocket } from 'ws';
import { buildAgentEnv } from './agent/agent-env.js';
import { pdeathsigAvailable } from './agent/process-spawner.js';
import { AgentSandbox } from './agent/isolation/agent-sandbox.js';
import { planIsolation, type IsolationMode } from './agent/isolation/isolation-mode.js';
import { LimitPolicy } from './agent/isolation/limits/resource-limits.js';
import { SandboxLimits, type LimitsReport } from './agent/isolation/limits/sandbox-limits.js';
import { AgentProcessManager } from './agent/process-manager.js';
import type { Config } from './config.js';
import { InstanceSlot } from './instance-slot.js';
import { agentModelEnv } from './model-proxy/agent-model-env.js';
import { CredentialBroker } from './model-proxy/credential-broker.js';
import { DEFAULT_MODEL_API_URL, ModelProxy } from './model-proxy/model-proxy.js';
import { registerModelProxyMetrics } from './model-proxy/proxy-metrics.js';
import { AgentNetworks } from './egress/agent-network.js';
import { EgressGate } from './egress/egress-gate.js';
import { registerEgressMetrics } from './egress/egress-metrics.js';
import { EgressProxy } from './egress/egress-proxy.js';
import { parseHostPatterns } from './egress/host-patterns.js';
import { ModelGate } from './model-proxy/model-gate.js';
import { TaskMeter } from './model-proxy/task-meter.js';
import { EventLog } from './events/event-log.js';
import { EventStream } from './events/event-stream.js';
import type { Logger } from './observability/logger.js';
import { FaultMetrics } from './observability/fault-metrics.js';
import { Metrics } from './observability/metrics.js';
import { serverRedactor } from './observability/redact.js';
import { SessionService } from './sessions/session-service.js';
import type { Backend } from './backends/backend.js';
import { openBackend } from './backends/open-backend.js';
import { redisSecrets } from './backends/redis/redis-backend.js';
import { GuardedStore } from './storage/guarded-store.js';
import { StorageHealth } from './storage/storage-health.js';
import { describeStorage } from './storage/storage-report.js';
import type { Store } from './storage/store.js';
import type { Scheduler } from './tasks/scheduler.js';
import { createControlPlane } from './tasks/queue/control-plane.js';
import { FenceRegistry } from './tasks/queue/fence-registry.js';
import { TranscriptGuard } from './sessions/transcript-guard.js';
import { PermissionRequests } from './tasks/permission-requests.js';
import { PermissionsAnywhere } from './tasks/permissions-anywhere.js';
import { TaskExecutor } from './tasks/task-executor.js';
import { TaskFinisher } from './tasks/task-finisher.js';
import { TaskService } from './tasks/task-service.js';
import { Retention } from './tasks/retention.js';
import { VERSION } from './version.js';
import { WorkspaceChecks } from './workspaces/workspace-checks.js';
import type { Task } from './tasks/task-types.js';
import { ChangeTracker } from './changes/change-tracker.js';
import { SubmitChecks } from './tasks/submit-checks.js';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher.js';
import { WebhookOutbox } from './webhooks/webhook-outbox.js';
import { TenantRegistry } from './tenancy/tenant-registry.js';
import type { WsTickets } from './tenancy/ws-tickets.js';
import type { StorageReport } from './storage/storage-report.js';

/** Tools granted when a task names none: what a coding task needs, without network tools. */
export const DEFAULT_ALLOWED_TOOLS = ['Read', 'Write', 'Edit', 'MultiEdit', 'Glob', 'Grep', 'Bash'] as const;
export const DEFAULT_PERMISSION_MODE = 'acceptEdits' as const;

export interface ContextOverrides {
  store?: Store;
  now?: () => Date;
  newTaskId?: () => string;
  serverEnv?: Readonly<Record<string, string | undefined>>;
}

/** Every long-lived part of the server, wired once; app.ts puts HTTP in front of it. */
export interface ServerContext {
  config: Config;
  logger: Logger;
  store: Store;
  events: EventLog;
  stream: EventStream;
  sessions: SessionService;
  scheduler: Scheduler;
  executor: TaskExecutor;
  tasks: TaskService;
  /** Tool calls waiting for the client's approval (options.require_approval), held by this instance. */
  permissions: PermissionRequests;
  /** The same, as the API serves them: for tasks held here or, with Redis, by another instance. */
  approvals: PermissionsAnywhere;
  agents: AgentProcessManager;
  /** The loopback credential proxy every agent process calls the model through. */
  modelProxy: ModelProxy;
  tenants: TenantRegistry;
  tickets: WsTickets;
  /** What STORAGE_TYPE chose: store, transcripts, tickets, queue, rate-limit store... */
  backend: Backend;
  /** Storage as /health reports it: Redis reachability and failing writes (full disk, I/O errors) together. */
  storageReport(): StorageReport;
  /** How agent processes are confined (AGENT_ISOLATION), as /health reports it. */
  isolation: IsolationMode;
  /** The limits every agent sandbox gets and how they are enforced, as /health reports them. */
  limits: LimitsReport;
  /** Prometheus metrics, served on METRICS_PORT by main.ts. */
  metrics: Metrics;
  faultMetrics: FaultMetrics;
  /** Whether storage takes writes; degraded while it fails, probed until it recovers. */
  storageHealth: StorageHealth;
  /** Open API connections, set by buildApp (installConnectionCap). */
  connections: { open(): number } | null;
  sockets: Set<WebSocket>;
  startedAt: Date;
  retention: Retention;
  now: () => Date;
  isShuttingDown(): boolean;
  beginShutdown(): void;
  close(): Promise<void>;
}

export async function createServerContext(config: Config, logger: Logger, overrides: ContextOverrides = {}): Promise<ServerContext> {
  const now = overrides.now ?? (() => new Date());
  // This server's own part of DATA_DIR: other servers may share the directory.
  const slot = InstanceSlot.claim(config.dataDir, config.instanceId, now);
  const storageHealth = new StorageHealth(logger.child('storage'), now);
  // The fence tokens of the tasks this instance holds; the Redis store passes them with every write (fenceFor).
  const fences = new FenceRegistry();
  const backend = await openBackend(config, logger, { fenceFor: fences.fenceFor });
  // Every part sees storage through the guard, so a failure anywhere (full disk, Redis down) marks the server degraded.
  const store = new GuardedStore(overrides.store ?? backend.store, storageHealth);
  const serverEnv = overrides.serverEnv ?? process.env;
  const isRoot = process.getuid?.() === 0;

  const tenants = new TenantRegistry(config.api.tenants, config.api.apiKey, { monthlyBudgetUsd: config.monthlyBudgetUsd ?? null });
  const isolation = planIsolation(config.isolation.setting, { isRoot, platform: process.platform });
  logger.child('agents').info(isolation.summary, { isolation: isolation.mode });
  const limits = SandboxLimits.start(
    new LimitPolicy(config.limits, new Map(config.api.tenants.map((t) => [t.id, t.limits ?? {}]))),
    { isolation: isolation.mode, isRoot },
    (group) => logger.child('agents').warn('An agent sandbox cgroup could not be removed yet', { procs: group.procsFiles }),
  );
  logger.child('agents').info(limits.summary, { limits: limits.mechanism });
  const sandbox = new AgentSandbox(isolation, {
    dataDir: config.dataDir,
    homesDir: path.join(slot.dir, 'agent-homes'),
    workspaceRoot: config.workspaceRoot,
    tenants: [tenants.defaultTenant, ...config.api.tenants].map((t) => ({ id: t.id, workspaceDir: t.workspaceDir })),
    uidBase: config.isolation.uidBase,
    sharedUids: backend.uids,
    limits,
  });
  for (const warning of await sandbox.init()) logger.child('agents').warn(warning);
  // With Redis, transcripts live there too, so a session resumes on any instance.
  const transcriptStore = backend.transcripts;
  const tickets: WsTickets = backend.tickets;
  const workspaces = new WorkspaceChecks(sandbox);
  const usePdeathsig = pdeathsigAvailable();
  if (!usePdeathsig) logger.warn('setpriv not available: agent processes may outlive the server if it is killed with SIGKILL');
  const redact = serverRedactor(
    [
      config.claude.apiKey,
      config.api.apiKey,
      config.metricsAuthToken,
      ...redisSecrets(config),
      config.webhooks.secret,
      ...tenants.all().map((t) => t.webhookSecret ?? undefined),
    ],
    serverEnv,
  );
  // Several instances on one Redis are told apart by an `instance` label; one instance keeps the unlabelled series the metric names document.
  const metrics = new Metrics(backend.queue.shared ? { instanceId: config.instanceId } : {});
  const credentials = new CredentialBroker();
  const meter = new TaskMeter();
  const modelGate = new ModelGate();
  const modelProxy = await ModelProxy.start({
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
    logger: logger.child('model-proxy'),
    metrics: registerModelProxyMetrics(metrics.registry),
    meter,
    gate: modelGate,
  });
  const events = new EventLog(store, now, redact, backend.bus ?? undefined);
  const egressLogger = logger.child('egress');
  const egress = new EgressProxy({
    gate: new EgressGate({
      allowPrivate: config.egress.allowPrivate,
      policyFor: async (taskId) => {
        const task = await store.getTask(taskId);
        if (task === null) return null;
        const network = task.options.network ?? null;
        return {
          tenant: tenants.get(task.tenant_id)?.egressAllow ?? config.egress.allow,
          task: network === null ? null : parseHostPatterns(network.allow).patterns,
        };
      },
    }),
    onBlocked: (taskId, block) => {
      events
        .append(taskId, { type: 'network_blocked', data: block })
        .catch((error: unknown) => egressLogger.error('Could not record network_blocked', { error }));
    },
    blockedTotal: registerEgressMetrics(metrics.registry),
    logger: egressLogger,
  });
  // Each sandboxed process reaches the model and the egress proxy only through sockets of its own.
  const networks = new AgentNetworks({
    dir: path.join(slot.dir, 'net'),
    isolated: isolation.mode !== 'none',
    acceptModel: (socket) => modelProxy.accept(socket),
    acceptEgress: (socket, currentTask) => egress.accept(socket, currentTask),
  });
  await networks.init();
  const agents = new AgentProcessManager(
    {
      env: {
        ...buildAgentEnv({
          serverEnv,
          passthrough: config.claude.envPassthrough,
          baseUrl: modelProxy.url,
          // No HOME or CLAUDE_CONFIG_DIR: each process gets its own (see AgentSandbox.createHome).
          clientApp: `claude-code-server/${VERSION}`,
        }),
        ...agentModelEnv(config.model.stallTimeoutSeconds * 1000),
      },
      allowBypassPermissions: !isRoot,
      usePdeathsig,
      credentials,
      sandbox,
      networks,
      transcripts: transcriptStore,
    },
    {
      maxProcesses: config.sessions.maxConcurrent,
      warmPoolSize: config.sessions.warmPoolSize,
      defaultPermissionMode: DEFAULT_PERMISSION_MODE,
      defaultTenantId: tenants.defaultTenant.id,
    },
    logger.child('agents'),
  );

  const stream = new EventStream(events, {
    maxBufferedBytes: config.streams.maxBufferedBytes,
    stallTimeoutMs: config.streams.stallTimeoutSeconds * 1000,
  });
  const sessions = new SessionService(store, workspaces, logger.child('sessions'), now);
  const finisher = new TaskFinisher(store, events, logger.child('tasks'), now, redact, storageHealth);
  let connections: { open(): number } | null = null;
  const faultMetrics = new FaultMetrics(metrics.registry, () => ({
    storageDegraded: () => storageHealth.degraded,
    pendingWrites: () => storageHealth.pendingWrites,
    openConnections: () => connections?.open() ?? 0,
  }));
  // Before recovery, so that tasks it finishes (SERVER_RESTARTED) are counted too.
  metrics.observeTasks(finisher);
  metrics.observeAgentProcesses(agents);
  const webhookLogger = logger.child('webhooks');
  const dispatcher = new WebhookDispatcher(
    store,
    {
      secretFor: (tenantId) => tenants.get(tenantId)?.webhookSecret ?? config.webhooks.secret,
      allowPrivate: config.webhooks.allowPrivate,
      retryBaseMs: config.webhooks.retryBaseMs,
      maxAgeMs: config.webhooks.maxAgeHours * 3_600_000,
      timeoutMs: config.webhooks.timeoutSeconds * 1000,
    },
    webhookLogger,
    now,
    (result) => metrics.webhookDeliveries.inc({ result }),
  );
  const outbox = new WebhookOutbox(store, () => dispatcher.wake(), now);
  finisher.beforeComplete((task) => outbox.taskFinished(task));
  const permissions = new PermissionRequests({
    emit: (taskId, event) => events.append(taskId, event),
    notify: (task, request) => outbox.permissionRequested(task, request),
    logger: logger.child('tasks'),
    now,
  });
  const changes = new ChangeTracker(sandbox, path.join(slot.dir, 'tmp', 'changes'), logger.child('changes'));
  const transcripts = new TranscriptGuard((sessionId) => agents.closeSession(sessionId));
  const executor = new TaskExecutor({
    changes,
    store,
    events,
    runner: agents,
    permissions,
    sessions,
    finisher,
    logger: logger.child('tasks'),
    now,
    redact,
    beforeRun: (sessionId, taskCount) => transcripts.beforeRun(sessionId, taskCount),
    storage: storageHealth,
    checkWorkspace: (task: Task) => workspaces.beforeStart(task.tenant_id, task.task_id, task.workspace),
    meter,
    modelGate,
    settings: {
      defaultMaxTurns: config.claude.maxTurns,
      defaultModel: config.claude.defaultModel,
      defaultAllowedTools: DEFAULT_ALLOWED_TOOLS,
      defaultPermissionMode: DEFAULT_PERMISSION_MODE,
      interruptGraceMs: config.tasks.interruptGraceMs,
      instanceId: config.instanceId,
      defaultTimeoutSeconds: config.tasks.defaultTimeoutSeconds,
    },
  });
  modelProxy.onModelFailure((taskId, failure) => executor.failFromModel(taskId, failure));
  meter.onOverBudget((taskId, spentUsd) => executor.stopForBudget(taskId, spentUsd));
  const control = await createControlPlane({
    config,
    tenants: config.api.tenants,
    store,
    events,
    sessions,
    finisher,
    executor,
    fences,
    queue: backend.queue,
    transcripts,
    closeLiveProcess: (sessionId) => agents.closeSession(sessionId),
    logger,
    now,
  });
  const { scheduler } = control;
  const approvals = new PermissionsAnywhere({
    local: permissions,
    events,
    shared: scheduler.shared,
    runsHere: (taskId) => scheduler.runsHere(taskId),
    relay: (taskId, requestId, answer) => scheduler.relayPermissionAnswer(taskId, requestId, answer),
  });
  scheduler.onPermissionAnswer((taskId, requestId, answer) => {
    try {
      permissions.answer(taskId, requestId, answer);
    } catch {
      // Already settled here (its timeout, the task's end, or an earlier answer): the relaying instance reads the decision.
    }
  });
  metrics.setSources({
    queueDepth: () => scheduler.queuedCount,
    runningTasks: () => scheduler.runningCount,
    subscribers: () => stream.subscriberCount,
    activeSessions: async () => (await store.listSessions()).filter((s) => s.status !== 'expired').length,
  });
  storageHealth.start(() => store.probe(), config.storage.probeIntervalSeconds * 1000);
  let shuttingDown = false;
  const tasks = new TaskService({
    store,
    sessions,
    scheduler,
    executor,
    finisher,
    logger: logger.child('tasks'),
    now,
    newTaskId: overrides.newTaskId ?? (() => `task-${randomUUID()}`),
    bypassPermissionsAllowed: !isRoot,
    isShuttingDown: () => shuttingDown,
    checks: new SubmitChecks(
      store,
      { webhookSecret: config.webhooks.secret, allowPrivateWebhooks: config.webhooks.allowPrivate, defaultEgressAllow: config.egress.allow },
      now,
    ),
    onSessionDeleted: (sessionId) => {
      transcripts.forget(sessionId);
      agents.closeSession(sessionId);
    },
    storage: storageHealth,
    stopWaitMs: 2 * config.queue.leaseSeconds * 1000 + config.tasks.interruptGraceMs,
    defaultAllowedTools: DEFAULT_ALLOWED_TOOLS,
  });

  await control.start();
  const retention = new Retention(store, config.tasks.retentionDays, 3_600_000, logger.child('retention'), now);
  retention.start();
  // Deliveries left pending by a previous run are picked up here too.
  dispatcher.start();
  agents.warmUp();

  const cleanupLogger = logger.child('sessions');
  const cleanup = setInterval(() => {
    sessions
      .expireIdle(config.sessions.idleTimeoutSeconds * 1000, (id) => scheduler.hasWorkFor(id))
      .then((expired) => expired.forEach((id) => agents.closeSession(id)))
      .catch((error: unknown) => cleanupLogger.error('Session cleanup failed', { error }));
  }, config.sessions.cleanupIntervalSeconds * 1000);
  cleanup.unref();

  return {
    config,
    logger,
    store,
    events,
    stream,
    sessions,
    scheduler,
    executor,
    tasks,
    permissions,
    approvals,
    agents,
    modelProxy,
    tenants,
    tickets,
    backend,
    storageReport: () => describeStorage(backend.kind, backend.health(), storageHealth),
    isolation: isolation.mode,
    limits: limits.report(),
    metrics,
    faultMetrics,
    storageHealth,
    get connections() {
      return connections;
    },
    set connections(value) {
      connections = value;
    },
    sockets: new Set(),
    startedAt: now(),
    now,
    isShuttingDown: () => shuttingDown,
    beginShutdown: () => {
      shuttingDown = true;
    },
    retention,
    close: async () => {
      clearInterval(cleanup);
      await dispatcher.stop();
      await agents.shutdown();
      // A process's home is emptied in a sandbox once it exits: the last ones must finish first.
      await sandbox.homesRemoved();
      limits.close();
      await changes.close().catch((error: unknown) => logger.warn('Could not remove the change-tracking shadows', { error }));
      sandbox.closeWorkers();
      await modelProxy.close();
      egress.close();
      await control.close();
      await retention.stop();
      // Last chance for writes that waited for storage (a final record, held events).
      await storageHealth.check(() => store.probe());
      storageHealth.stop();
      await store.close();
      await backend.close();
      slot.release();
    },
  };
}
