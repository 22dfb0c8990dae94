import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { installAuth } from './api/auth.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandlers } from './api/error-handler.js';
import { installConnectionCap, slowClientOptions } from './api/http-guards.js';
import { installRateLimit, verifiedApiKey } from './api/rate-limit.js';
import { registerDocsRoutes } from './api/routes/docs.js';
import { registerHealthRoute } from './api/routes/health.js';
import { registerSessionRoutes } from './api/routes/sessions.js';
import { registerTaskEventRoutes } from './api/routes/task-events.js';
import { registerTaskExtraRoutes } from './api/routes/task-extras.js';
import { registerTaskPermissionRoutes } from './api/routes/task-permissions.js';
import { registerTaskRoutes } from './api/routes/tasks.js';
import { registerUiRoutes } from './api/routes/ui.js';
import { registerWsTicketRoute } from './api/routes/ws-tickets.js';
import { registerTaskEventsWebSocket } from './api/ws-task-events.js';
import { installRequestObservability } from './api/request-observability.js';
import type { ServerContext } from './server-context.js';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** Builds the HTTP and WebSocket front of the server without listening, so tests can inject(). */
export async function buildApp(ctx: ServerContext): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: ctx.config.api.maxBodyBytes,
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
      headersTimeoutMs: ctx.config.server.headersTimeoutSeconds * 1000,
      requestTimeoutMs: ctx.config.server.requestTimeoutSeconds * 1000,
      maxConnections: ctx.config.server.maxConnections,
    }),
  });
  ctx.connections = installConnectionCap(app.server, ctx.config.server.maxConnections, () => ctx.faultMetrics.connectionsRefused.inc());
  const httpLogger = ctx.logger.child('http');
  // First: its hooks must see every upgrade request before ours can answer one (e.g. a 401),
  // or a refused upgrade leaves its socket open.
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  installErrorHandlers(app, httpLogger);
  // The API speaks JSON only; any other body is refused with 415 rather than half-parsed.
  app.removeContentTypeParser('text/plain');
  installRequestObservability(app, httpLogger, ctx.metrics);
  // Before auth, so that guessing keys is throttled too (per IP: only an accepted key has a budget of its own).
  if (ctx.config.api.rateLimitEnabled) {
    await installRateLimit(app, {
      perMinute: ctx.config.api.rateLimitPerMinute,
      identify: verifiedApiKey(ctx.config.api.authEnabled ? ctx.tenants : undefined),
      // Several instances on one Redis share each caller's budget.
      ...(ctx.backend.rateLimitStore ? { backend: { store: ctx.backend.rateLimitStore } } : {}),
    });
  }
  installAuth(app, { enabled: ctx.config.api.authEnabled, registry: ctx.tenants, tickets: ctx.tickets });

  registerHealthRoute(app, {
    instanceId: ctx.config.instanceId,
    storage: ctx.storageReport,
    activeSessions: async () => (await ctx.store.listSessions()).filter((s) => s.status !== 'expired').length,
    activeTasks: () => ctx.scheduler.runningCount,
    queuedTasks: () => ctx.scheduler.queuedCount,
    uptimeSeconds: () => Math.floor((ctx.now().getTime() - ctx.startedAt.getTime()) / 1000),
    isShuttingDown: ctx.isShuttingDown,
    agentProcesses: async () => {
      const { busy, idle, spare } = ctx.agents.stats();
      return { busy, idle, spare, memory_bytes: await ctx.agents.memoryBytes() };
    },
    isolation: () => ctx.isolation,
    limits: () => ctx.limits,
  });
  registerTaskRoutes(app, ctx.tasks, ctx.approvals);
  registerTaskPermissionRoutes(app, { tasks: ctx.tasks, permissions: ctx.approvals });
  registerTaskExtraRoutes(app, { tasks: ctx.tasks, store: ctx.store });
  registerWsTicketRoute(app, ctx.tickets);
  registerSessionRoutes(app, { store: ctx.store, sessions: ctx.sessions, tasks: ctx.tasks });
  registerTaskEventRoutes(app, { tasks: ctx.tasks, stream: ctx.stream, logger: httpLogger });
  registerTaskEventsWebSocket(app, { tasks: ctx.tasks, stream: ctx.stream, sockets: ctx.sockets, logger: httpLogger });
  registerDocsRoutes(app);
  registerUiRoutes(app, { authEnabled: ctx.config.api.authEnabled });
  return app;
}
