import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { IsolationMode } from '../agent/isolation/isolation-mode.js';
import type { LimitsReport } from '../agent/isolation/limits/sandbox-limits.js';
import type { SandboxApi } from '../agent/sandbox-module.js';
import type { AgentProcessManager } from '../agent/process-manager.js';
import type { Config } from '../config.js';
import type { EventsApi } from '../events/events-module.js';
import type { EventStream } from '../events/event-stream.js';
import { WorkspaceFiles } from '../files/workspace-files.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { ScheduleService } from '../schedules/schedule-service.js';
import type { SessionForks } from '../sessions/session-forks.js';
import type { SessionService } from '../sessions/session-service.js';
import type { SessionsApi } from '../sessions/sessions-module.js';
import type { StorageReport } from '../storage/storage-report.js';
import type { Store } from '../storage/store.js';
import type { Approvals } from '../tasks/approvals.js';
import type { TaskService } from '../tasks/task-service.js';
import type { TasksApi } from '../tasks/tasks-module.js';
import type { TenantRegistry } from '../tenancy/tenant-registry.js';
import type { WsTickets } from '../tenancy/ws-tickets.js';
import type { TriggerService } from '../triggers/trigger-service.js';
import type { TriggersApi } from '../triggers/triggers-module.js';
import type { SecretService } from '../secrets/secret-service.js';
import type { StorageApi } from './storage-module.js';

/** The server's state as /health reports it. */
export interface ServerStatus {
  storage(): StorageReport;
  activeSessions(): Promise<number>;
  runningTasks(): number;
  queuedTasks(): number;
  uptimeSeconds(): number;
  isShuttingDown(): boolean;
  agentProcesses(): Promise<{ busy: number; idle: number; spare: number; memory_bytes: number }>;
  isolation: IsolationMode;
  limits: LimitsReport;
}

/** What the HTTP front uses of the server, and nothing else. */
export interface Services {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  tenants: TenantRegistry;
  tickets: WsTickets;
  /** One rate-limit budget per caller across instances; null keeps budgets in this process. */
  rateLimitStore: FastifyRateLimitStoreCtor | null;
  tasks: TaskService;
  approvals: Approvals;
  store: Store;
  sessions: SessionService;
  forks: SessionForks;
  stream: EventStream;
  status: ServerStatus;
  schedules: ScheduleService;
  triggers: TriggerService;
  files: WorkspaceFiles;
  secrets: SecretService;
}

export function servicesOf(modules: {
  config: Config;
  logger: Logger;
  now: () => Date;
  storage: StorageApi;
  metrics: Metrics;
  tenants: TenantRegistry;
  sandbox: SandboxApi;
  agents: AgentProcessManager;
  events: EventsApi;
  sessions: SessionsApi;
  tasks: TasksApi;
  schedules: ScheduleService;
  triggers: TriggersApi;
  secrets: SecretService;
}): Services {
  const { storage, sandbox, agents, sessions, tasks, now } = modules;
  const startedAt = now();
  return {
    config: modules.config,
    logger: modules.logger,
    metrics: modules.metrics,
    tenants: modules.tenants,
    tickets: storage.tickets,
    rateLimitStore: storage.rateLimitStore,
    tasks: tasks.service,
    approvals: tasks.approvals,
    store: storage.store,
    sessions: sessions.service,
    forks: sessions.forks,
    stream: modules.events.stream,
    schedules: modules.schedules,
    status: {
      storage: storage.report,
      activeSessions: sessions.activeCount,
      runningTasks: () => tasks.scheduler.runningCount,
      queuedTasks: () => tasks.scheduler.queuedCount,
      uptimeSeconds: () => Math.floor((now().getTime() - startedAt.getTime()) / 1000),
      isShuttingDown: tasks.isShuttingDown,
      agentProcesses: async () => {
        const { busy, idle, spare } = agents.stats();
        return { busy, idle, spare, memory_bytes: await agents.memoryBytes() };
      },
      isolation: sandbox.isolation,
      limits: sandbox.limits,
    },
    triggers: modules.triggers.service,
    files: new WorkspaceFiles({
      sandbox: sandbox.sandbox,
      sessions: sessions.service,
      tasks: tasks.service,
      store: storage.store,
      maxUploadBytes: modules.config.api.fileUploadMaxBytes,
    }),
    secrets: modules.secrets,
  };
}
