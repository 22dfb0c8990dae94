import type { FastifyInstance } from 'fastify';
import type { TaskService } from '../../tasks/task-service.js';
import { submitTaskResponseSchema, taskListSchema, taskSchema } from '../response-schemas.js';
import { listTasksQuerySchema, submitTaskSchema } from '../schemas.js';
import { responseJsonSchema } from '../serialization.js';
import { validate } from '../validate.js';
import { submitView, taskView } from '../views.js';

interface TaskParams {
  task_id: string;
}

export function registerTaskRoutes(app: FastifyInstance, tasks: TaskService): void {
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
    return { tasks: page.items.map((t) => taskView(request, t)), next_cursor: page.next_cursor };
  });

  app.get<{ Params: TaskParams }>('/api/v1/tasks/:task_id', { schema: task }, async (request) =>
    taskView(request, await tasks.get(request.tenant, request.params.task_id)),
  );

  app.post<{ Params: TaskParams }>('/api/v1/tasks/:task_id/interrupt', { schema: task }, async (request) =>
    taskView(request, await tasks.interrupt(request.tenant, request.params.task_id)),
  );
}
