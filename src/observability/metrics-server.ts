import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.js';
import { metricsAuth } from './metrics-auth.js';
import type { Metrics } from './metrics.js';

export interface MetricsServer {
  /** The port it listens on (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * Prometheus' scrape endpoint, `GET /metrics`, on a port of its own (METRICS_PORT) so that it
 * can be firewalled apart from the API and never counts against its rate limit or auth. With
 * METRICS_AUTH_TOKEN it takes a Bearer token of its own.
 */
export async function startMetricsServer(options: {
  metrics: Metrics;
  host: string;
  port: number;
  logger: Logger;
  /** METRICS_AUTH_TOKEN: when set, a scrape must bring it as a Bearer token. */
  authToken?: string;
}): Promise<MetricsServer> {
  const { metrics, logger } = options;
  const authorized = metricsAuth(options.authToken);
  const server: Server = createServer((request, response) => {
    if (!authorized(request, response)) return;
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found; metrics are at /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
      return;
    }
    metrics.render().then(
      (body) => {
        response.writeHead(200, { 'Content-Type': metrics.contentType });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        logger.error('Metrics scrape failed', { error });
        response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Metrics collection failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Prometheus keeps its connection alive between scrapes; do not wait for it to go.
        server.closeAllConnections();
      }),
  };
}
