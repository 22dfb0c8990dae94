import type { FastifyInstance } from 'fastify';
import type { SessionService } from '../../sessions/session-service.js';
import type { Store } from '../../storage/store.js';
import type { TaskService } from '../../tasks/task-service.js';
import { listSessionsQuerySchema } from '../schemas.js';
import { validate } from '../validate.js';
import { sessionView } from '../views.js';

interface SessionParams {
  session_id: string;
}

export function registerSessionRoutes(app: FastifyInstance, deps: { store: Store; sessions: SessionService; tasks: TaskService }): void {
  app.get('/api/v1/sessions', async (request) => {
    const { status } = validate(listSessionsQuerySchema, request.query, 'query');
    // By default only open sessions: expired ones are cleaned up, though they can still be reused.
    const sessions = (await deps.store.listSessions()).filter(
      (s) => s.tenant_id === request.tenant.id && (status === 'all' ? true : status === undefined ? s.status !== 'expired' : s.status === status),
    );
    return { sessions: sessions.map(sessionView), total: sessions.length };
  });

  app.get<{ Params: SessionParams }>('/api/v1/sessions/:session_id', async (request) =>
    sessionView(await deps.sessions.get(request.tenant, request.params.session_id)),
  );

  app.delete<{ Params: SessionParams }>('/api/v1/sessions/:session_id', async (request) => {
    const outcome = await deps.tasks.deleteSession(request.tenant, request.params.session_id);
    return { ...outcome, deleted: true };
  });
}
