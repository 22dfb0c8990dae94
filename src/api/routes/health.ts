import type { FastifyInstance } from 'fastify';
import type { StorageState } from '../../storage/storage-health.js';
import { VERSION } from '../../version.js';

export interface HealthSource {
  activeSessions(): Promise<number>;
  /** Storage health; `degraded` makes the whole status `degraded` (still 200: the server serves reads and recovers by itself). */
  storage?(): StorageState & { pending_writes: number };
  activeTasks(): number;
  queuedTasks(): number;
  uptimeSeconds(): number;
  isShuttingDown(): boolean;
  agentProcesses(): Promise<{ busy: number; idle: number; spare: number; memory_bytes: number }>;
}

export function registerHealthRoute(app: FastifyInstance, health: HealthSource): void {
  app.get('/health', async (_request, reply) => {
    const shuttingDown = health.isShuttingDown();
    const storage = health.storage?.();
    const degraded = storage?.status === 'degraded';
    return reply.code(shuttingDown ? 503 : 200).send({
      status: shuttingDown ? 'shutting_down' : degraded ? 'degraded' : 'healthy',
      version: VERSION,
      // Unknown (null) if storage cannot even be read: /health must answer whatever fails.
      active_sessions: await health.activeSessions().catch(() => null),
      active_tasks: health.activeTasks(),
      queued_tasks: health.queuedTasks(),
      uptime_seconds: health.uptimeSeconds(),
      agent_processes: await health.agentProcesses(),
      ...(storage ? { storage } : {}),
      ...(degraded ? { reason: `storage: ${storage.reason}` } : {}),
    });
  });
}
