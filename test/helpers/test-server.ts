import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { startMetricsServer } from '../../src/observability/metrics-server.js';
import { createServerContext, type ServerContext } from '../../src/server-context.js';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';

export interface TestServer {
  baseUrl: string;
  wsBase: string;
  ctx: ServerContext;
  app: FastifyInstance;
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
export async function startTestServer(env: Record<string, string> = {}, model?: ScriptedModel): Promise<TestServer> {
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
      METRICS_PORT: '0',
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...env,
    },
    dir,
  );
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level: config.server.logLevel, sink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const ctx = await createServerContext(config, logger, { serverEnv: { PATH: process.env.PATH, ...env } });
  const app = await buildApp(ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const metricsServer = await startMetricsServer({ metrics: ctx.metrics, host: '127.0.0.1', port: ctx.config.metricsPort, logger });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    wsBase: `ws://127.0.0.1:${port}`,
    ctx,
    app,
    model: scripted,
    dir,
    workspaceRoot: ctx.config.workspaceRoot,
    logs,
    metricsUrl: `http://127.0.0.1:${metricsServer.port}/metrics`,
    close: async () => {
      for (const id of ctx.executor.activeTaskIds()) ctx.executor.stop(id, 'shutdown');
      await Promise.all(ctx.executor.activeTaskIds().map((id) => ctx.executor.whenDone(id)));
      await app.close();
      await metricsServer.close();
      await ctx.close();
      if (ownModel) await scripted.close();
      await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}
