import { Counter, Gauge, type Registry } from 'prom-client';

export interface FaultSources {
  storageDegraded(): boolean;
  pendingWrites(): number;
  openConnections(): number;
}

/**
 * The metrics an operator watches for the failures the server rides out (see docs/operations.md,
 * "Troubleshooting"): storage that fails, connections beyond the cap.
 */
export class FaultMetrics {
  readonly connectionsRefused: Counter;

  constructor(registry: Registry, sources: () => FaultSources | undefined) {
    new Gauge({
      name: 'storage_available',
      help: '1 while storage takes writes, 0 while it fails (the server is degraded and refuses submits).',
      registers: [registry],
      collect() {
        const s = sources();
        if (s) this.set(s.storageDegraded() ? 0 : 1);
      },
    });
    new Gauge({
      name: 'storage_pending_writes',
      help: 'Finished tasks whose final record or events wait for storage to recover.',
      registers: [registry],
      collect() {
        const s = sources();
        if (s) this.set(s.pendingWrites());
      },
    });
    new Gauge({
      name: 'http_connections_open',
      help: 'Open client connections to the API port (capped by SERVER_MAX_CONNECTIONS).',
      registers: [registry],
      collect() {
        const s = sources();
        if (s) this.set(s.openConnections());
      },
    });
    this.connectionsRefused = new Counter({
      name: 'http_connections_refused_total',
      help: 'Connections answered 503 TOO_MANY_CONNECTIONS because SERVER_MAX_CONNECTIONS were open.',
      registers: [registry],
    });
  }
}
