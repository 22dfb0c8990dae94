import { createAgentsModule } from '../agent/agents-module.js';
import type { AgentProcessManager } from '../agent/process-manager.js';
import { createSandboxModule, type SandboxApi } from '../agent/sandbox-module.js';
import type { Config } from '../config.js';
import { createEgressModule } from '../egress/egress-module.js';
import { createEventsModule, type EventsApi } from '../events/events-module.js';
import { createModelProxyModule, type ModelProxyApi } from '../model-proxy/model-proxy-module.js';
import type { Logger } from '../observability/logger.js';
import { createObservabilityModule, type ObservabilityApi } from '../observability/observability-module.js';
import { createTracingModule, type SpanExporter } from '../observability/tracing/tracing-module.js';
import { createSchedulesModule, type SchedulesApi } from '../schedules/schedules-module.js';
import type { ScheduleClock } from '../schedules/schedule-clock.js';
import { createSessionExpiry } from '../sessions/session-expiry.js';
import { createSessionsModule, type SessionsApi } from '../sessions/sessions-module.js';
import type { Store } from '../storage/store.js';
import { createTasksModule, type TasksApi } from '../tasks/tasks-module.js';
import { createTenancyModule } from '../tenancy/tenancy-module.js';
import { createTriggersModule } from '../triggers/triggers-module.js';
import { createSecretsModule, type SecretsApi } from '../secrets/secrets-module.js';
import { locateWorkspace } from '../workspaces/workspace-preparation.js';
import type { TenantRegistry } from '../tenancy/tenant-registry.js';
import { createWebhooksModule } from '../webhooks/webhooks-module.js';
import type { PushPayload } from '../webhooks/webhook-outbox.js';
import { InstanceSlot } from './instance-slot.js';
import { Lifecycle } from './module.js';
import { servicesOf, type Services } from './services.js';
import { createStorageModule, type StorageApi } from './storage-module.js';

export interface ComposeOptions {
  store?: Store;
  now?: () => Date;
  newTaskId?: () => string;
  /** The server's own environment (default process.env): the agent env allowlist picks from it. */
  serverEnv?: Readonly<Record<string, string | undefined>>;
  /**
   * The body of a delivery to a push-notification target (an A2A client's), written by the front
   * that took the config; without it such targets get the usual webhook body.
   */
  pushPayload?: PushPayload;
  /** The schedule engine's clock (tests move it by hand); default: the system clock with `now`. */
  scheduleClock?: ScheduleClock;
  /** Where task spans go instead of the configured exporter (tests: an in-memory one); turns tracing on. */
  traceExporter?: SpanExporter;
}

/** The server's modules, built and wired; nothing runs until start(). */
export interface ComposedServer {
  config: Config;
  storage: StorageApi;
  observability: ObservabilityApi;
  tenants: TenantRegistry;
  sandbox: SandboxApi;
  model: ModelProxyApi;
  events: EventsApi;
  agents: AgentProcessManager;
  sessions: SessionsApi;
  tasks: TasksApi;
  schedules: SchedulesApi;
  /** Tenant secrets; a SecretReader for the modules that inject them. */
  secrets: SecretsApi;
  /** What the HTTP front is given (http/app.ts). */
  services: Services;
  /** Starts every module in the order built. */
  start(): Promise<void>;
  /** Stops every module in reverse. */
  stop(): Promise<void>;
}

/**
 * Builds each module on the ones before it; start() and stop() run them in order and in reverse.
 * If building fails, what was built so far is stopped (the instance slot released, storage closed).
 */
export async function composeServer(config: Config, logger: Logger, options: ComposeOptions = {}): Promise<ComposedServer> {
  const lifecycle = new Lifecycle();
  try {
    return await build(lifecycle, config, logger, options);
  } catch (error) {
    await lifecycle.stop().catch(() => undefined);
    throw error;
  }
}

async function build(lifecycle: Lifecycle, config: Config, logger: Logger, options: ComposeOptions): Promise<ComposedServer> {
  const now = options.now ?? (() => new Date());
  const serverEnv = options.serverEnv ?? process.env;
  // This server's own part of DATA_DIR: other servers may share the directory.
  const slot = InstanceSlot.claim(config.dataDir, config.instanceId, now);
  lifecycle.add({ api: slot, stop: () => slot.release() });
  const slotDir = slot.dir;
  const storage = lifecycle.add(await createStorageModule({ config, logger, now, store: options.store }));
  const tenants = lifecycle.add(createTenancyModule(config));
  const shared = storage.queue.shared;
  const observability = lifecycle.add(createObservabilityModule({ config, tenants, storageHealth: storage.health, shared, serverEnv }));
  const { metrics, redact } = observability;
  const secrets = lifecycle.add(createSecretsModule({ config, logger, now, store: storage.secrets }));
  const traces = lifecycle.add(await createTracingModule({ config, ...(options.traceExporter ? { exporter: options.traceExporter } : {}) }));
  const sandbox = lifecycle.add(await createSandboxModule({ config, logger, tenants, slotDir, uids: storage.uids }));
  const model = lifecycle.add(await createModelProxyModule({ config, logger, metrics, ...(traces.enabled ? { observer: traces } : {}) }));
  const events = lifecycle.add(createEventsModule({ config, store: storage.store, now, redact, bus: storage.bus }));
  const networks = lifecycle.add(
    await createEgressModule({
      config,
      logger,
      metrics,
      store: storage.store,
      events: events.log,
      tenants,
      slotDir,
      isolated: sandbox.isolation !== 'none',
      secrets,
      acceptModel: (socket) => model.proxy.accept(socket),
    }),
  );
  const agents = lifecycle.add(
    createAgentsModule({
      config,
      logger,
      metrics,
      tenants,
      serverEnv,
      networks,
      isRoot: sandbox.isRoot,
      modelProxyUrl: model.proxy.url,
      credentials: model.credentials,
      sandbox: sandbox.sandbox,
      transcripts: storage.transcripts,
      secrets,
    }),
  );
  const closeLiveProcess = (sessionId: string): void => agents.closeSession(sessionId);
  const sessions = lifecycle.add(
    createSessionsModule({
      store: storage.store,
      workspaces: sandbox.workspaces,
      logger,
      now,
      closeLiveProcess,
      sandbox: sandbox.sandbox,
      conversations: storage.transcripts,
    }),
  );
  const outbox = lifecycle.add(
    createWebhooksModule({ config, logger, metrics, store: storage.store, tenants, now, ...(options.pushPayload ? { pushPayload: options.pushPayload } : {}) }),
  );
  const tasks = lifecycle.add(
    await createTasksModule({
      config,
      logger,
      now,
      newTaskId: options.newTaskId,
      storage,
      events,
      redact,
      metrics,
      sessions,
      agents,
      outbox,
      model,
      slotDir,
      sandbox: sandbox.sandbox,
      workspaces: sandbox.workspaces,
      isRoot: sandbox.isRoot,
      traces,
      secrets,
    }),
  );
  const hasWorkFor = (sessionId: string): Promise<boolean> => tasks.scheduler.hasWorkFor(sessionId);
  lifecycle.add(createSessionExpiry({ config, logger, sessions: sessions.service, hasWorkFor, closeLiveProcess }));
  const schedules = lifecycle.add(
    createSchedulesModule({
      config,
      logger,
      now,
      ...(options.scheduleClock ? { clock: options.scheduleClock } : {}),
      schedules: storage.schedules,
      store: storage.store,
      tasks: tasks.service,
      tenants,
      metrics,
      isRoot: sandbox.isRoot,
      locateWorkspace: (tenantId, requested) => void locateWorkspace(sandbox.sandbox.identityFor(tenantId), requested),
      secrets,
    }),
  );
  const triggers = lifecycle.add(
    createTriggersModule({ config, logger, metrics, now, store: storage.triggers, tenants, tasks: tasks.service, sandbox: sandbox.sandbox }),
  );

  return {
    config,
    storage,
    observability,
    tenants,
    sandbox,
    model,
    events,
    agents,
    sessions,
    tasks,
    schedules,
    secrets,
    services: servicesOf({
      config,
      logger,
      now,
      storage,
      metrics,
      tenants,
      sandbox,
      agents,
      events,
      sessions,
      tasks,
      schedules: schedules.service,
      triggers,
      secrets,
    }),
    start: () => lifecycle.start(),
    stop: () => lifecycle.stop(),
  };
}
