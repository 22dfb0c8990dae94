import type { FastifyInstance } from 'fastify';
import { VERSION } from '../../version.js';

export interface HealthSource {
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
    return reply.code(shuttingDown ? 503 : 200).send({
      status: shuttingDown ? 'shutting_down' : 'healthy',
      version: VERSION,
      active_sessions: await health.activeSessions(),
      active_tasks: health.activeTasks(),
      queued_tasks: health.queuedTasks(),
      uptime_seconds: health.uptimeSeconds(),
      agent_processes: await health.agentProcesses(),
      isolation: health.isolation(),
    });
  });
}
