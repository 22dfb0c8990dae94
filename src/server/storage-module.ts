import type { Backend } from '../backends/backend.js';
import { openBackend } from '../backends/open-backend.js';
import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import { GuardedStore } from '../storage/guarded-store.js';
import { StorageHealth } from '../storage/storage-health.js';
import { describeStorage, type StorageReport } from '../storage/storage-report.js';
import type { Store } from '../storage/store.js';
import { FenceRegistry } from '../tasks/queue/fence-registry.js';
import type { Module } from './module.js';

export interface StorageApi extends Omit<Backend, 'store' | 'close' | 'health'> {
  /** Guarded: a failure anywhere (full disk, Redis down) marks the server degraded. */
  store: Store;
  /** Whether storage takes writes; degraded while it fails, probed until it recovers. */
  health: StorageHealth;
  /** The fence tokens of the tasks this instance holds; the Redis store passes them with every write. */
  fences: FenceRegistry;
  /** Storage as /health reports it: reachability and failing writes (full disk, I/O errors) together. */
  report(): StorageReport;
}

export async function createStorageModule(deps: { config: Config; logger: Logger; now: () => Date; store?: Store }): Promise<Module<StorageApi>> {
  const { config, logger } = deps;
  const health = new StorageHealth(logger.child('storage'), deps.now);
  const fences = new FenceRegistry();
  const backend = await openBackend(config, logger, { fenceFor: fences.fenceFor });
  const store = new GuardedStore(deps.store ?? backend.store, health);
  const { kind, transcripts, tickets, bus, queue, rateLimitStore, uids, schedules, triggers, secrets } = backend;
  return {
    api: {
      kind,
      transcripts,
      tickets,
      bus,
      queue,
      rateLimitStore,
      uids,
      schedules,
      triggers,
      secrets,
      store,
      health,
      fences,
      report: () => describeStorage(kind, backend.health(), health),
    },
    start: () => health.start(() => store.probe(), config.storage.probeIntervalSeconds * 1000),
    stop: async () => {
      // Last chance for writes that waited for storage (a final record, held events).
      await health.check(() => store.probe());
      health.stop();
      // The store first, then what else the backend opened (queue, transcripts, the Redis connection).
      await store.close();
      await backend.close();
    },
  };
}
