import type { FastifyInstance } from 'fastify';
import type { Approvals } from '../../tasks/approvals.js';
import type { Task } from '../../tasks/task-types.js';
import type { TaskService } from '../../tasks/task-service.js';
import { submitTaskResponseSchema, taskListSchema, taskSchema } from '../response-schemas.js';
import { listTasksQuerySchema, submitTaskSchema, type SubmitTaskBody } from '../schemas.js';
import { responseJsonSchema } from '../serialization.js';
import { validate } from '../validate.js';
import { submitView, taskView } from '../views.js';

interface TaskParams {
  task_id: string;
}

/** `approvals` shows the tool calls a task waits on (pending_permissions); absent, none show. */
export function registerTaskRoutes(app: FastifyInstance, tasks: TaskService, approvals?: Pick<Approvals, 'pending'>): void {
  const pendingOf = async (task: Task) => (approvals ? await approvals.pending(task) : []);
  // Serialized by fast-json-stringify from the documented schemas (errors keep the default serializer).
  const submitted = responseJsonSchema(submitTaskResponseSchema);
  const task = { response: { 200: responseJsonSchema(taskSchema) } };

  app.post('/api/v1/tasks', { schema: { response: { 200: submitted, 201: submitted } } }, async (request, reply) => {
    const body: SubmitTaskBody = validate(submitTaskSchema, request.body, 'body');
    const { task, created } = await tasks.submit(request.tenant, body);
    return reply.code(created ? 201 : 200).send(submitView(request, task));
  });

  app.get('/api/v1/tasks', { schema: { response: { 200: responseJsonSchema(taskListSchema) } } }, async (request) => {
    const query = validate(listTasksQuerySchema, request.query, 'query');
    const page = await tasks.list(request.tenant, query);
    const pending = await Promise.all(page.items.map(pendingOf));
    return { tasks: page.items.map((t, i) => taskView(request, t, pending[i]!)), next_cursor: page.next_cursor };
  });

  app.get<{ Params: TaskParams }>('/api/v1/tasks/:task_id', { schema: task }, async (request) => {
    const found = await tasks.get(request.tenant, request.params.task_id);
    return taskView(request, found, await pendingOf(found));
  });

  app.post<{ Params: TaskParams }>('/api/v1/tasks/:task_id/interrupt', { schema: task }, async (request) =>
    taskView(request, await tasks.interrupt(request.tenant, request.params.task_id)),
  );
}
