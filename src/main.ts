import { IsolationUnavailableError } from './agent/isolation/isolation-mode.js';
import { buildApp } from './http/app.js';
import { a2aPushPayload } from './http/protocols/a2a/push-payload.js';
import { InUseByAnotherServerError } from './server/in-use-by-another-server.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger, limitLogFlushAtExit, type Logger } from './observability/logger.js';
import { serverRedactor } from './observability/redact.js';
import { startMetricsServer } from './observability/metrics-server.js';
import { composeServer, type ComposedServer } from './server/compose.js';
import { VERSION } from './server/version.js';
import { shutdownGracefully } from './server/shutdown.js';
import { redisSecrets } from './backends/redis/redis-secrets.js';
import { listenBanner } from './server/listen-banner.js';

/** Exits even if whoever reads our stdout has stopped reading: the last log lines get 2 s. */
function exit(code: number): never {
  limitLogFlushAtExit(2000);
  process.exit(code);
}

/** Set once the server is up; a signal before that ends a start-up that may be waiting (for Redis, say). */
let stopServer: ((signal: string) => Promise<void>) | null = null;
let startupLogger: Logger | null = null;

function onSignal(signal: NodeJS.Signals): void {
  if (stopServer) {
    void stopServer(signal);
    return;
  }
  // Nothing is being served yet and nothing acknowledged can be lost; exiting is the graceful stop.
  startupLogger?.info('Signal received during start-up; stopping', { signal });
  exit(0);
}

async function main(): Promise<void> {
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      createLogger({ level: 'ERROR' }).error('Invalid configuration', { problems: error.problems });
      exit(2);
    }
    throw error;
  }

  const logger = createLogger({
    level: config.server.logLevel,
    redact: serverRedactor([config.claude.apiKey, config.api.apiKey, ...redisSecrets(config)], process.env),
  });
  const serverLogger = logger.child('server');
  startupLogger = serverLogger;
  let server: ComposedServer;
  try {
    server = await composeServer(config, logger, { pushPayload: a2aPushPayload });
    await server.start();
  } catch (error) {
    // One line that says what to install, grant or change, as for a configuration problem.
    if (error instanceof IsolationUnavailableError || error instanceof InUseByAnotherServerError) {
      process.stderr.write(`${error.message}\n`);
      serverLogger.error(error.message);
      exit(2);
    }
    throw error;
  }
  const { app, sockets } = await buildApp(server.services);
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined = undefined;
  let stopping = false;
  stopServer = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    serverLogger.info('Signal received', { signal });
    try {
      await shutdownGracefully(server, { sockets, close: () => app.close() }, serverLogger, config.shutdownGraceSeconds * 1000);
      await metricsServer?.close();
      serverLogger.info('Server stopped');
      exit(0);
    } catch (error) {
      serverLogger.error('Shutdown failed', { error });
      exit(1);
    }
  };
  await app.listen({ host: config.server.host, port: config.server.port });
  // Its own port, so that Prometheus can be let in where API clients are not (and vice versa).
  metricsServer = await startMetricsServer({
    metrics: server.observability.metrics,
    host: config.server.host,
    port: config.metricsPort,
    logger: logger.child('metrics'),
    authToken: config.metricsAuthToken,
  });
  serverLogger.info('Server started', {
    version: VERSION,
    host: config.server.host,
    port: config.server.port,
    metrics_port: metricsServer.port,
    storage: config.storage.type,
    instance_id: config.instanceId,
    workspace_root: config.workspaceRoot,
    max_concurrent: config.sessions.maxConcurrent,
  });
  process.stderr.write(listenBanner(app.server.address(), VERSION));
}

main().catch((error: unknown) => {
  process.stderr.write(`Fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exit(1);
});
