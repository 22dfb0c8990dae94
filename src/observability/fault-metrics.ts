import { Gauge, type Registry } from 'prom-client';

export interface FaultSources {
  storageDegraded(): boolean;
  pendingWrites(): number;
}

/**
 * The metrics an operator watches for storage that fails, a failure the server rides out (see
 * docs/operations.md, "Troubleshooting"). Connections beyond the cap are counted on the HTTP side.
 */
export function registerFaultMetrics(registry: Registry, sources: FaultSources): void {
  new Gauge({
    name: 'storage_available',
    help: '1 while storage takes writes, 0 while it fails (the server is degraded and refuses submits).',
    registers: [registry],
    collect() {
      this.set(sources.storageDegraded() ? 0 : 1);
    },
  });
  new Gauge({
    name: 'storage_pending_writes',
    help: 'Finished tasks whose final record or events wait for storage to recover.',
    registers: [registry],
    collect() {
      this.set(sources.pendingWrites());
    },
  });
}
