import { Counter, Gauge, type Registry } from 'prom-client';

/** Connections to the API port against SERVER_MAX_CONNECTIONS; returns the counter of refused ones. */
export function registerConnectionMetrics(registry: Registry, openConnections: () => number): Counter {
  new Gauge({
    name: 'http_connections_open',
    help: 'Open client connections to the API port (capped by SERVER_MAX_CONNECTIONS).',
    registers: [registry],
    collect() {
      this.set(openConnections());
    },
  });
  return new Counter({
    name: 'http_connections_refused_total',
    help: 'Connections answered 503 TOO_MANY_CONNECTIONS because SERVER_MAX_CONNECTIONS were open.',
    registers: [registry],
  });
}
