import type { FastifyInstance } from 'fastify';
import type { LimitsReport } from '../../agent/isolation/limits/sandbox-limits.js';
import type { StorageReport } from '../../storage/storage-report.js';
import { VERSION } from '../../server/version.js';
import { json, operation, urlOf } from '../openapi/operation.js';
import { healthSchema } from '../response-schemas.js';

export const HEALTH_OPERATION = operation({
  method: 'get',
  path: '/health',
  id: 'getHealth',
  summary: 'Server health and load',
  description: 'Never needs a key and is never rate limited. 503 with `status: "shutting_down"` while the server stops.',
  tags: ['health'],
  public: true,
  responses: { '200': json(healthSchema, 'Healthy.'), '503': json(healthSchema, 'Shutting down.') },
});

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
  app.get(urlOf(HEALTH_OPERATION), async (_request, reply) => {
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
