import type { FastifyInstance } from 'fastify';
import type { LimitsReport } from '../../agent/isolation/limits/sandbox-limits.js';
import type { StorageReport } from '../../storage/storage-report.js';
import { VERSION } from '../../server/version.js';

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
