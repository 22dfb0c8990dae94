import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { WebSocket } from 'ws';
import { buildAgentEnv } from './agent/agent-env.js';
import { pdeathsigAvailable } from './agent/process-spawner.js';
import { AgentProcessManager } from './agent/process-manager.js';
import type { Config } from './config.js';
import { EventLog } from './events/event-log.js';
import { EventStream } from './events/event-stream.js';
import type { Logger } from './observability/logger.js';
import { FaultMetrics } from './observability/fault-metrics.js';
import { Metrics } from './observability/metrics.js';
import { serverRedactor } from './observability/redact.js';
import { SessionService } from './sessions/session-service.js';
import { createStore } from './storage/create-store.js';
import { GuardedStore } from './storage/guarded-store.js';
import { StorageHealth } from './storage/storage-health.js';
import type { Store } from './storage/store.js';
import { Scheduler } from './tasks/scheduler.js';
import { TaskExecutor } from './tasks/task-executor.js';
import { TaskFinisher } from './tasks/task-finisher.js';
import { TaskService } from './tasks/task-service.js';
import { recoverAfterRestart } from './tasks/recovery.js';
import { Retention } from './tasks/retention.js';
import { VERSION } from './version.js';
import { checkWorkspaceAccess } from './workspaces/workspace-access.js';
import { WorkspaceResolver } from './workspaces/workspace-resolver.js';
import type { Tenant } from './tenancy/tenant.js';
import { TenantRegistry } from './tenancy/tenant-registry.js';
import { TicketStore } from './tenancy/ws-tickets.js';

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
  agents: AgentProcessManager;
  tenants: TenantRegistry;
  tickets: TicketStore;
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
  const storageHealth = new StorageHealth(logger.child('storage'), now);
  // Every part sees storage through the guard, so a failure anywhere marks the server degraded.
  const store = new GuardedStore(overrides.store ?? createStore({ type: config.storage.type, sqliteFile: config.storage.sqlitePath }), storageHealth);
  const serverEnv = overrides.serverEnv ?? process.env;
  const isRoot = process.getuid?.() === 0;

  const configDir = path.join(config.dataDir, 'claude-config');
  const homeDir = path.join(config.dataDir, 'agent-home');
  await Promise.all([mkdir(configDir, { recursive: true }), mkdir(homeDir, { recursive: true })]);

  const tenants = new TenantRegistry(config.api.tenants, config.api.apiKey);
  const tickets = new TicketStore();
  // Each tenant's subtree is created on first use and its resolver kept.
  const resolvers = new Map<string, Promise<WorkspaceResolver>>();
  const workspacesOf = (tenant: Tenant): Promise<WorkspaceResolver> => {
    let resolver = resolvers.get(tenant.id);
    if (!resolver) {
      resolver = WorkspaceResolver.create(path.join(config.workspaceRoot, tenant.workspaceDir));
      resolvers.set(tenant.id, resolver);
    }
    return resolver;
  };
  await workspacesOf(tenants.defaultTenant);
  const usePdeathsig = pdeathsigAvailable();
  if (!usePdeathsig) logger.warn('setpriv not available: agent processes may outlive the server if it is killed with SIGKILL');
  const redact = serverRedactor([config.claude.apiKey, config.api.apiKey], serverEnv);
  const agents = new AgentProcessManager(
    {
      env: buildAgentEnv({
        serverEnv,
        passthrough: config.claude.envPassthrough,
        baseUrl: config.claude.baseUrl,
        configDir,
        homeDir,
        clientApp: `claude-code-server/${VERSION}`,
      }),
      allowBypassPermissions: !isRoot,
      usePdeathsig,
      apiKey: config.claude.apiKey,
    },
    {
      maxProcesses: config.sessions.maxConcurrent,
      warmPoolSize: config.sessions.warmPoolSize,
      defaultSpec: { tools: DEFAULT_ALLOWED_TOOLS, maxTurns: config.claude.maxTurns },
      defaultPermissionMode: DEFAULT_PERMISSION_MODE,
    },
    logger.child('agents'),
  );

  const events = new EventLog(store, now, redact);
  const stream = new EventStream(events, {
    maxBufferedBytes: config.streams.maxBufferedBytes,
    stallTimeoutMs: config.streams.stallTimeoutSeconds * 1000,
  });
  const sessions = new SessionService(store, workspacesOf, logger.child('sessions'), now, (dir) => checkWorkspaceAccess(dir));
  const finisher = new TaskFinisher(store, events, logger.child('tasks'), now, redact, storageHealth);
  const metrics = new Metrics();
  let connections: { open(): number } | null = null;
  const faultMetrics = new FaultMetrics(metrics.registry, () => ({
    storageDegraded: () => storageHealth.degraded,
    pendingWrites: () => storageHealth.pendingWrites,
    openConnections: () => connections?.open() ?? 0,
  }));
  // Before recovery, so that tasks it finishes (SERVER_RESTARTED) are counted too.
  metrics.observeTasks(finisher);
  metrics.observeAgentProcesses(agents);
  const executor = new TaskExecutor({
    store,
    events,
    runner: agents,
    sessions,
    finisher,
    logger: logger.child('tasks'),
    now,
    redact,
    storage: storageHealth,
    checkWorkspace: (dir) => checkWorkspaceAccess(dir),
    settings: {
      defaultMaxTurns: config.claude.maxTurns,
      defaultModel: config.claude.defaultModel,
      defaultAllowedTools: DEFAULT_ALLOWED_TOOLS,
      defaultPermissionMode: DEFAULT_PERMISSION_MODE,
      interruptGraceMs: config.tasks.interruptGraceMs,
      defaultTimeoutSeconds: config.tasks.defaultTimeoutSeconds,
    },
  });
  const scheduler = new Scheduler(config.sessions.maxConcurrent, config.tasks.queueMax, executor.execute, (id) => tenants.get(id)?.maxConcurrent ?? null);
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
    onSessionDeleted: (sessionId) => agents.closeSession(sessionId),
    storage: storageHealth,
  });

  await recoverAfterRestart({ store, finisher, scheduler, logger: logger.child('recovery'), now });
  const retention = new Retention(store, config.tasks.retentionDays, 3_600_000, logger.child('retention'), now);
  retention.start();
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
    agents,
    tenants,
    tickets,
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
      await agents.shutdown();
      await retention.stop();
      // Last chance for writes that waited for storage (a final record, held events).
      await storageHealth.check(() => store.probe());
      storageHealth.stop();
      await store.close();
    },
  };
}
