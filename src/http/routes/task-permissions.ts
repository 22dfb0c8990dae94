import type { FastifyInstance } from 'fastify';
import type { Approvals } from '../../tasks/approvals.js';
import type { TaskService } from '../../tasks/task-service.js';
import { externalId } from '../../tenancy/tenant.js';
import { errorResponse, json, operation, urlOf } from '../openapi/operation.js';
import { permissionAnswerResultSchema } from '../response-schemas.js';
import { permissionAnswerSchema } from '../schemas.js';
import { validate } from '../validate.js';

interface Params {
  task_id: string;
  request_id: string;
}

export const ANSWER_PERMISSION_OPERATION = operation({
  method: 'post',
  path: '/api/v1/tasks/{task_id}/permissions/{request_id}',
  id: 'answerPermission',
  summary: 'Allow or deny a tool call the task waits on',
  description:
    "For tools in `options.require_approval`: each call emits a `permission_request` event and waits, listed in the task's `pending_permissions`. " +
    '`allow` lets the call run (with `updated_input` instead of its own input, if given); `deny` returns an error (with `message`) to the agent, which goes on. ' +
    'Unanswered requests are denied after `options.approval_timeout` seconds (default 600), and when the task is interrupted, times out or the server shuts down.',
  tags: ['tasks'],
  body: permissionAnswerSchema,
  responses: {
    '200': json(permissionAnswerResultSchema, 'The answer reached the waiting call.'),
    '400': errorResponse('VALIDATION_ERROR: a bad body.'),
    '404': errorResponse('TASK_NOT_FOUND.'),
    '409': errorResponse('PERMISSION_REQUEST_NOT_PENDING: unknown, already answered, timed out, or its task has ended.'),
    '503': errorResponse('INSTANCE_UNREACHABLE: with several instances, the one running the task did not take the answer within 5 s; retry.'),
  },
});

/** The client's side of the approval round-trip: allow or deny a tool call a task waits on. */
export function registerTaskPermissionRoutes(app: FastifyInstance, deps: { tasks: TaskService; approvals: Pick<Approvals, 'answer'> }): void {
  app.post<{ Params: Params }>(urlOf(ANSWER_PERMISSION_OPERATION), async (request) => {
    // Another tenant's task answers exactly like a missing one (404), before the body is looked at.
    const task = await deps.tasks.get(request.tenant, request.params.task_id);
    const answer = validate(permissionAnswerSchema, request.body, 'body');
    await deps.approvals.answer(task, request.params.request_id, answer);
    return { task_id: externalId(task.task_id), request_id: request.params.request_id, decision: answer.decision };
  });
}
