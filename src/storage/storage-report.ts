import type { StorageReport } from '../api/routes/health.js';
import type { StorageHealth } from './storage-health.js';

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
