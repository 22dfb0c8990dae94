import type { FastifyInstance } from 'fastify';
import type { SessionService } from '../../sessions/session-service.js';
import type { Store } from '../../storage/store.js';
import type { TaskService } from '../../tasks/task-service.js';
import { errorResponse, json, operation, urlOf } from '../openapi/operation.js';
import { deletedSessionSchema, sessionListSchema, sessionSchema } from '../response-schemas.js';
import { listSessionsQuerySchema } from '../schemas.js';
import { validate } from '../validate.js';
import { sessionView } from '../views.js';

interface SessionParams {
  session_id: string;
}

export const SESSION_OPERATIONS = {
  listSessions: operation({
    method: 'get',
    path: '/api/v1/sessions',
    id: 'listSessions',
    summary: 'List sessions',
    tags: ['sessions'],
    query: { schema: listSessionsQuerySchema, help: { status: 'Default: open sessions (idle or busy). `all` includes expired ones.' } },
    responses: { '200': json(sessionListSchema, 'The sessions.'), '400': errorResponse('VALIDATION_ERROR.') },
  }),
  getSession: operation({
    method: 'get',
    path: '/api/v1/sessions/{session_id}',
    id: 'getSession',
    summary: 'Get a session',
    tags: ['sessions'],
    responses: { '200': json(sessionSchema, 'The session.'), '404': errorResponse('SESSION_NOT_FOUND.') },
  }),
  deleteSession: operation({
    method: 'delete',
    path: '/api/v1/sessions/{session_id}',
    id: 'deleteSession',
    summary: 'Delete a session',
    description: 'Interrupts its running task and cancels its queued ones (they end `interrupted` with SESSION_DELETED), then deletes it.',
    tags: ['sessions'],
    responses: { '200': json(deletedSessionSchema, 'Deleted.'), '404': errorResponse('SESSION_NOT_FOUND.') },
  }),
};

export function registerSessionRoutes(app: FastifyInstance, deps: { store: Store; sessions: SessionService; tasks: TaskService }): void {
  app.get(urlOf(SESSION_OPERATIONS.listSessions), async (request) => {
    const { status } = validate(listSessionsQuerySchema, request.query, 'query');
    // By default only open sessions: expired ones are cleaned up, though they can still be reused.
    const sessions = (await deps.store.listSessions()).filter(
      (s) => s.tenant_id === request.tenant.id && (status === 'all' ? true : status === undefined ? s.status !== 'expired' : s.status === status),
    );
    return { sessions: sessions.map(sessionView), total: sessions.length };
  });

  app.get<{ Params: SessionParams }>(urlOf(SESSION_OPERATIONS.getSession), async (request) =>
    sessionView(await deps.sessions.get(request.tenant, request.params.session_id)),
  );

  app.delete<{ Params: SessionParams }>(urlOf(SESSION_OPERATIONS.deleteSession), async (request) => {
    const outcome = await deps.tasks.deleteSession(request.tenant, request.params.session_id);
    return { ...outcome, deleted: true };
  });
}
