import type { FastifyInstance } from 'fastify';
import type { LimitsReport } from '../../agent/isolation/limits/sandbox-limits.js';
import { VERSION } from '../../version.js';

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

export interface HealthSource {
  /** INSTANCE_ID: which of several instances answered. */
  instanceId: string;
  storage(): StorageReport;
  activeSessions(): Promise<number>;
  activeTasks(): number;
  queuedTasks(): number;
  uptimeSeconds(): number;
  isShuttingDown(): boolean;
  agentProcesses(): Promise<{ busy: number; idle: number; spare: number; memory_bytes: number }>;
  isolation(): 'bwrap' | 'none';
  limits(): LimitsReport;
}

export function registerHealthRoute(app: FastifyInstance, health: HealthSource): void {
  app.get('/health', async (_request, reply) => {
    const shuttingDown = health.isShuttingDown();
    const storage = health.storage();
    const degraded = storage.status === 'down';
    const status = shuttingDown ? 'shutting_down' : degraded ? 'degraded' : 'healthy';
    // Degraded answers 503 too, so a load balancer sends requests to instances that can serve them;
    // the server keeps serving reads and recovers by itself.
    return reply.code(status === 'healthy' ? 200 : 503).send({
      status,
      version: VERSION,
      instance_id: health.instanceId,
      storage,
      ...(degraded ? { reason: `storage: ${storage.reason ?? 'unavailable'}` } : {}),
      // Unknown (null) if storage cannot even be read: /health must answer whatever fails.
      active_sessions: degraded ? null : await health.activeSessions().catch(() => null),
      active_tasks: health.activeTasks(),
      queued_tasks: health.queuedTasks(),
      uptime_seconds: health.uptimeSeconds(),
      agent_processes: await health.agentProcesses(),
      isolation: health.isolation(),
      limits: health.limits(),
    });
  });
}
