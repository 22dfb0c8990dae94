import type { FastifyInstance } from 'fastify';
import { VERSION } from '../../version.js';

export interface StorageHealth {
  type: string;
  status: 'up' | 'down';
  /** Why storage is down; null while it is up. */
  reason: string | null;
}

export interface HealthSource {
  /** INSTANCE_ID: which of several instances answered. */
  instanceId: string;
  storage(): StorageHealth;
  activeSessions(): Promise<number>;
  activeTasks(): number;
  queuedTasks(): number;
  uptimeSeconds(): number;
  isShuttingDown(): boolean;
  agentProcesses(): Promise<{ busy: number; idle: number; spare: number; memory_bytes: number }>;
  isolation(): 'bwrap' | 'none';
}

export function registerHealthRoute(app: FastifyInstance, health: HealthSource): void {
  app.get('/health', async (_request, reply) => {
    const shuttingDown = health.isShuttingDown();
    const storage = health.storage();
    // Degraded answers 503 too, so a load balancer sends requests to instances that can serve them.
    const status = shuttingDown ? 'shutting_down' : storage.status === 'down' ? 'degraded' : 'healthy';
    return reply.code(status === 'healthy' ? 200 : 503).send({
      status,
      version: VERSION,
      instance_id: health.instanceId,
      storage,
      // Counted from storage: unknown (0) while it is down, rather than failing the health check.
      active_sessions: storage.status === 'down' ? 0 : await health.activeSessions().catch(() => 0),
      active_tasks: health.activeTasks(),
      queued_tasks: health.queuedTasks(),
      uptime_seconds: health.uptimeSeconds(),
      agent_processes: await health.agentProcesses(),
      isolation: health.isolation(),
    });
  });
}
