import type { FastifyInstance } from 'fastify';
import type { PermissionRequests } from '../../tasks/permission-requests.js';
import type { TaskService } from '../../tasks/task-service.js';
import { submitTaskResponseSchema, taskListSchema, taskSchema } from '../response-schemas.js';
import { listTasksQuerySchema, submitTaskSchema } from '../schemas.js';
import { responseJsonSchema } from '../serialization.js';
import { validate } from '../validate.js';
import { submitView, taskView } from '../views.js';

interface TaskParams {
  task_id: string;
}

/** `permissions` shows the tool calls a task waits on (pending_permissions); absent, none show. */
export function registerTaskRoutes(app: FastifyInstance, tasks: TaskService, permissions?: PermissionRequests): void {
  const pendingOf = (taskId: string) => permissions?.pending(taskId) ?? [];
  // Serialized by fast-json-stringify from the documented schemas (errors keep the default serializer).
  const submitted = responseJsonSchema(submitTaskResponseSchema);
  const task = { response: { 200: responseJsonSchema(taskSchema) } };

  app.post('/api/v1/tasks', { schema: { response: { 200: submitted, 201: submitted } } }, async (request, reply) => {
    const body = validate(submitTaskSchema, request.body, 'body');
    const { task, created } = await tasks.submit(request.tenant, body);
    return reply.code(created ? 201 : 200).send(submitView(request, task));
  });

  app.get('/api/v1/tasks', { schema: { response: { 200: responseJsonSchema(taskListSchema) } } }, async (request) => {
    const query = validate(listTasksQuerySchema, request.query, 'query');
    const page = await tasks.list(request.tenant, query);
    return { tasks: page.items.map((t) => taskView(request, t, pendingOf(t.task_id))), next_cursor: page.next_cursor };
  });

  app.get<{ Params: TaskParams }>('/api/v1/tasks/:task_id', { schema: task }, async (request) => {
    const found = await tasks.get(request.tenant, request.params.task_id);
    return taskView(request, found, pendingOf(found.task_id));
  });

  app.post<{ Params: TaskParams }>('/api/v1/tasks/:task_id/interrupt', { schema: task }, async (request) =>
    taskView(request, await tasks.interrupt(request.tenant, request.params.task_id)),
  );
}
