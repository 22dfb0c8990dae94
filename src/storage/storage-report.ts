import type { StorageHealth } from './storage-health.js';

/**
 * One view of storage for /health, whatever failed: Redis unreachable (connection health) or
 * writes failing (disk full, I/O errors, also Redis outages seen by the guarded store).
 */
export interface StorageReport {
  type: string;
  status: 'up' | 'down';
  /** Why storage is down; null while it is up. */
  reason: string | null;
  /** STORAGE_FULL (submits get 507) or STORAGE_UNAVAILABLE (503) while down; null while up. */
  code: 'STORAGE_FULL' | 'STORAGE_UNAVAILABLE' | null;
  /** When writes started failing (ISO 8601); null if none has failed yet. */
  since: string | null;
  /** Finished tasks' final records and events waiting for storage to recover. */
  pending_writes: number;
}

/**
 * Storage for /health, from two sources: whether Redis can be reached (a connection can drop
 * before any write fails) and whether writes fail (StorageHealth, for every backend). Either
 * one down makes storage down; the write failure, when there is one, says more.
 */
export function describeStorage(type: string, connection: { up: boolean; reason: string | null }, health: StorageHealth): StorageReport {
  const state = health.state();
  const pending = health.pendingWrites;
  if (state.status === 'degraded') {
    return { type, status: 'down', reason: state.reason, code: state.code, since: state.since, pending_writes: pending };
  }
  if (!connection.up) {
    return { type, status: 'down', reason: connection.reason ?? 'unreachable', code: 'STORAGE_UNAVAILABLE', since: null, pending_writes: pending };
  }
  return { type, status: 'up', reason: null, code: null, since: null, pending_writes: pending };
}
