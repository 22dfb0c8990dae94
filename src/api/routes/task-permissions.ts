import type { FastifyInstance } from 'fastify';
import type { Approvals } from '../../tasks/approvals.js';
import type { TaskService } from '../../tasks/task-service.js';
import { externalId } from '../../tenancy/tenant.js';
import { permissionAnswerSchema } from '../schemas.js';
import { validate } from '../validate.js';

interface Params {
  task_id: string;
  request_id: string;
}

/** The client's side of the approval round-trip: allow or deny a tool call a task waits on. */
export function registerTaskPermissionRoutes(app: FastifyInstance, deps: { tasks: TaskService; approvals: Pick<Approvals, 'answer'> }): void {
  app.post<{ Params: Params }>('/api/v1/tasks/:task_id/permissions/:request_id', async (request) => {
    // Another tenant's task answers exactly like a missing one (404), before the body is looked at.
    const task = await deps.tasks.get(request.tenant, request.params.task_id);
    const answer = validate(permissionAnswerSchema, request.body, 'body');
    await deps.approvals.answer(task, request.params.request_id, answer);
    return { task_id: externalId(task.task_id), request_id: request.params.request_id, decision: answer.decision };
  });
}
