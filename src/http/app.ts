import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { registerConnectionMetrics } from './connection-metrics.js';
import { installAuth } from './auth.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandlers } from './error-handler.js';
import { installConnectionCap, slowClientOptions } from './http-guards.js';
import { installRateLimit, verifiedApiKey } from './rate-limit.js';
import { registerDocsRoutes } from './routes/docs.js';
import { registerFileRoutes } from './routes/files.js';
import { registerHealthRoute } from './routes/health.js';
import { acceptEmptyJsonBodies } from './json-body.js';
import { registerScheduleRoutes } from './routes/schedules.js';
import { registerSessionForkRoutes } from './routes/session-forks.js';
import { registerSessionRoutes } from './routes/sessions.js';
import { registerTaskEventRoutes } from './routes/task-events.js';
import { registerTaskExtraRoutes } from './routes/task-extras.js';
import { registerTaskPermissionRoutes } from './routes/task-permissions.js';
import { registerTaskRoutes } from './routes/tasks.js';
import { registerTriggerRoutes } from './routes/triggers.js';
import { registerSecretRoutes } from './routes/secrets.js';
import { registerUiRoutes } from './routes/ui.js';
import { registerWsTicketRoute } from './routes/ws-tickets.js';
import { registerTaskEventsWebSocket } from './ws-task-events.js';
import { installRequestObservability } from './request-observability.js';
import type { Services } from '../server/services.js';
import { registerA2aRoutes } from './protocols/a2a/a2a-routes.js';
import { registerAguiRoutes } from './protocols/agui/agui-routes.js';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** The HTTP and WebSocket front, and the state it keeps of its clients. */
export interface HttpFront {
  app: FastifyInstance;
  /** Open event-stream WebSockets; shutdown closes them with SERVER_SHUTDOWN. */
  sockets: Set<WebSocket>;
  /** Open API connections (capped by SERVER_MAX_CONNECTIONS). */
  connections: { open(): number };
}

/** Builds the HTTP and WebSocket front of the server without listening, so tests can inject(). */
export async function buildApp(services: Services): Promise<HttpFront> {
  const { config, status } = services;
  const app = Fastify({
    logger: false,
    bodyLimit: config.api.maxBodyBytes,
    // Honour a caller's request id so one id follows a request through an orchestrator's logs.
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    },
    // Ids are up to 128 characters, three times that percent-encoded; past it the URL is refused (400).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // Shutdown has already let tasks finish; lingering keep-alive or refused-upgrade sockets must not hold it up.
    forceCloseConnections: true,
    // Slow senders are cut (408) within SERVER_HEADERS_TIMEOUT_SECONDS / SERVER_REQUEST_TIMEOUT_SECONDS.
    ...slowClientOptions({
      headersTimeoutMs: config.server.headersTimeoutSeconds * 1000,
      requestTimeoutMs: config.server.requestTimeoutSeconds * 1000,
      maxConnections: config.server.maxConnections,
    }),
  });
  acceptEmptyJsonBodies(app);
  const connectionsRefused = registerConnectionMetrics(services.metrics.registry, () => connections.open());
  const connections = installConnectionCap(app.server, config.server.maxConnections, () => connectionsRefused.inc());
  const sockets = new Set<WebSocket>();
  const httpLogger = services.logger.child('http');
  // First: its hooks must see every upgrade request before ours can answer one (e.g. a 401),
  // or a refused upgrade leaves its socket open.
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  installErrorHandlers(app, httpLogger);
  // The API speaks JSON only; any other body is refused with 415 rather than half-parsed.
  app.removeContentTypeParser('text/plain');
  installRequestObservability(app, httpLogger, services.metrics);
  // Before auth, so that guessing keys is throttled too (per IP: only an accepted key has a budget of its own).
  if (config.api.rateLimitEnabled) {
    await installRateLimit(app, {
      perMinute: config.api.rateLimitPerMinute,
      identify: verifiedApiKey(config.api.authEnabled ? services.tenants : undefined),
      // Several instances on one Redis share each caller's budget.
      ...(services.rateLimitStore ? { backend: { store: services.rateLimitStore } } : {}),
    });
  }
  installAuth(app, { enabled: config.api.authEnabled, registry: services.tenants, tickets: services.tickets });

  registerHealthRoute(app, {
    instanceId: config.instanceId,
    storage: status.storage,
    activeSessions: status.activeSessions,
    activeTasks: status.runningTasks,
    queuedTasks: status.queuedTasks,
    uptimeSeconds: status.uptimeSeconds,
    isShuttingDown: status.isShuttingDown,
    agentProcesses: status.agentProcesses,
    isolation: () => status.isolation,
    limits: () => status.limits,
  });
  registerTaskRoutes(app, services.tasks, services.approvals);
  registerTaskPermissionRoutes(app, { tasks: services.tasks, approvals: services.approvals });
  registerTaskExtraRoutes(app, { tasks: services.tasks, store: services.store });
  registerWsTicketRoute(app, services.tickets);
  registerSessionRoutes(app, { store: services.store, sessions: services.sessions, tasks: services.tasks });
  registerSessionForkRoutes(app, services.forks);
  await registerFileRoutes(app, services.files);
  registerTaskEventRoutes(app, { tasks: services.tasks, stream: services.stream, logger: httpLogger });
  registerTaskEventsWebSocket(app, { tasks: services.tasks, stream: services.stream, sockets, logger: httpLogger });
  registerScheduleRoutes(app, services.schedules);
  await registerTriggerRoutes(app, services.triggers);
  registerSecretRoutes(app, services.secrets);
  registerDocsRoutes(app);
  registerUiRoutes(app, { authEnabled: config.api.authEnabled });
  await registerA2aRoutes(app, services);
  registerAguiRoutes(app, services);
  return { app, sockets, connections };
}
