import type { FastifyInstance } from 'fastify';
import type { SessionForks } from '../../sessions/session-forks.js';
import { forkSessionSchema } from '../fork-schemas.js';
import { errorResponse, json, operation, urlOf } from '../openapi/operation.js';
import { sessionSchema } from '../response-schemas.js';
import { responseJsonSchema } from '../serialization.js';
import { validate } from '../validate.js';
import { sessionView } from '../views.js';

export const FORK_SESSION_OPERATION = operation({
  method: 'post',
  path: '/api/v1/sessions/{session_id}/fork',
  id: 'forkSession',
  summary: 'Fork a session',
  description:
    'A new session that continues the conversation as of the end of one finished task (default: the latest), in a copy of ' +
    'the source workspace (default) or a shared one. The source session is untouched. The body may be left out.',
  tags: ['sessions'],
  body: forkSessionSchema,
  responses: {
    '201': json(sessionSchema, 'The new session, with `forked_from`.'),
    '400': errorResponse("VALIDATION_ERROR, TASK_NOT_IN_SESSION, or a WORKSPACE_* code for the fork's workspace."),
    '404': errorResponse('SESSION_NOT_FOUND, or TASK_NOT_FOUND for an unknown `at_task_id`.'),
    '409': errorResponse('SESSION_ALREADY_EXISTS, TASK_NOT_FINISHED, NOTHING_TO_FORK or WORKSPACE_NOT_EMPTY.'),
    '422': errorResponse('WORKSPACE_COPY_FAILED: the source workspace could not be copied (the message says why).'),
  },
});

export function registerSessionForkRoutes(app: FastifyInstance, forks: SessionForks): void {
  const answer = responseJsonSchema(sessionSchema);
  app.post<{ Params: { session_id: string } }>(urlOf(FORK_SESSION_OPERATION), { schema: { response: { 201: answer } } }, async (request, reply) => {
    const body = validate(forkSessionSchema, request.body ?? {}, 'body');
    const session = await forks.fork(request.tenant, request.params.session_id, body);
    return reply.code(201).send(sessionView(session));
  });
}
