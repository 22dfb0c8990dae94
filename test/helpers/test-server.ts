import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { AgentProcessManager } from '../../src/agent/process-manager.js';
import type { IsolationMode } from '../../src/agent/isolation/isolation-mode.js';
import { buildApp } from '../../src/http/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { EventLog } from '../../src/events/event-log.js';
import type { EventStream } from '../../src/events/event-stream.js';
import type { ModelProxy } from '../../src/model-proxy/model-proxy.js';
import type { Metrics } from '../../src/observability/metrics.js';
import type { StorageHealth } from '../../src/storage/storage-health.js';
import type { Store } from '../../src/storage/store.js';
import type { SecretsApi } from '../../src/secrets/secrets-module.js';
import { createLogger } from '../../src/observability/logger.js';
import { startMetricsServer } from '../../src/observability/metrics-server.js';
import { composeServer, type ComposeOptions } from '../../src/server/compose.js';
import { a2aPushPayload } from '../../src/http/protocols/a2a/push-payload.js';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';

export interface TestServer {
  baseUrl: string;
  wsBase: string;
  app: FastifyInstance;
  config: Config;
  /** The parts of the running server the suites look at, as its modules offer them. */
  agents: AgentProcessManager;
  store: Store;
  storageHealth: StorageHealth;
  events: EventLog;
  stream: EventStream;
  modelProxy: ModelProxy;
  metrics: Metrics;
  isolation: IsolationMode;
  /** Tenant secrets as other modules read them (reveal, missing). */
  secrets: SecretsApi;
  /** The HTTP front's open event-stream WebSockets and API connections. */
  sockets: Set<WebSocket>;
  connections: { open(): number };
  model: ScriptedModel;
  dir: string;
  workspaceRoot: string;
  logs: Record<string, unknown>[];
  /** The Prometheus endpoint (METRICS_PORT is always a free port here). */
  metricsUrl: string;
  close(): Promise<void>;
}

/**
 * A real server on a real socket, driving the real SDK and CLI against the scripted model. Only
 * the configuration differs from production: everything lives in a fresh temporary directory.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  model?: ScriptedModel,
  compose: Pick<ComposeOptions, 'traceExporter'> = {},
): Promise<TestServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ccs-test-'));
  const ownModel = model === undefined;
  const scripted = model ?? (await startScriptedModel());
  const config = loadConfig(
    {
      CLAUDE_API_KEY: 'test-key-0123456789',
      CLAUDE_BASE_URL: scripted.url,
      WORKSPACE_ROOT: path.join(dir, 'workspaces'),
      DATA_DIR: path.join(dir, 'data'),
      SERVER_HOST: '127.0.0.1',
      SERVER_PORT: '0',
      SERVER_LOG_LEVEL: 'DEBUG',
      // Suites make many requests to one server; test/integration/rate-limit.test.ts turns it on.
      API_RATE_LIMIT_ENABLED: 'false',
      // No spare agent process unless a suite asks for one (a CLI start that serves no task costs a
      // CPU second); the suites about warm starts set WARM_POOL_SIZE themselves.
      WARM_POOL_SIZE: '0',
      METRICS_PORT: '0',
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...env,
    },
    dir,
  );
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level: config.server.logLevel, sink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const server = await composeServer(config, logger, { serverEnv: { PATH: process.env.PATH, ...env }, pushPayload: a2aPushPayload, ...compose });
  await server.start();
  const { app, sockets, connections } = await buildApp(server.services);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const metricsServer = await startMetricsServer({ metrics: server.observability.metrics, host: '127.0.0.1', port: config.metricsPort, logger });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    wsBase: `ws://127.0.0.1:${port}`,
    app,
    config,
    agents: server.agents,
    store: server.storage.store,
    storageHealth: server.storage.health,
    events: server.events.log,
    stream: server.events.stream,
    modelProxy: server.model.proxy,
    metrics: server.observability.metrics,
    isolation: server.sandbox.isolation,
    secrets: server.secrets,
    sockets,
    connections,
    model: scripted,
    dir,
    workspaceRoot: config.workspaceRoot,
    logs,
    metricsUrl: `http://127.0.0.1:${metricsServer.port}/metrics`,
    close: async () => {
      const { executor } = server.tasks;
      for (const id of executor.activeTaskIds()) executor.stop(id, 'shutdown');
      await Promise.all(executor.activeTaskIds().map((id) => executor.whenDone(id)));
      await app.close();
      await metricsServer.close();
      await server.stop();
      if (ownModel) await scripted.close();
      await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}
