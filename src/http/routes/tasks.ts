import type { FastifyInstance } from 'fastify';
import type { Approvals } from '../../tasks/approvals.js';
import type { Task } from '../../tasks/task-types.js';
import type { TaskService } from '../../tasks/task-service.js';
import { errorResponse, json, operation, urlOf } from '../openapi/operation.js';
import { submitTaskResponseSchema, taskListSchema, taskSchema } from '../response-schemas.js';
import { listTasksQuerySchema, submitTaskSchema, type SubmitTaskBody } from '../schemas.js';
import { responseJsonSchema } from '../serialization.js';
import { validate } from '../validate.js';
import { submitView, taskView } from '../views.js';
import { traceOriginOf } from '../trace-origin.js';

interface TaskParams {
  task_id: string;
}

export const TASK_OPERATIONS = {
  submitTask: operation({
    method: 'post',
    path: '/api/v1/tasks',
    id: 'submitTask',
    summary: 'Submit a task',
    description:
      'Unknown fields are refused. Resubmitting the same `task_id` with the same body returns the existing task (200) ' +
      'and runs nothing twice; a different body under that id is 409.',
    tags: ['tasks'],
    body: submitTaskSchema,
    responses: {
      '201': json(submitTaskResponseSchema, 'A new task, `running` or `queued`.'),
      '200': json(submitTaskResponseSchema, 'The same task_id and body were already submitted: the existing task.'),
      '400': errorResponse(
        'INVALID_JSON, VALIDATION_ERROR, WORKSPACE_OUTSIDE_ROOT, WORKSPACE_INVALID, PERMISSION_MODE_REFUSED, WEBHOOK_URL_REFUSED or WEBHOOK_SECRET_MISSING.',
      ),
      '402': errorResponse("TENANT_BUDGET_EXCEEDED: this month's budget of the caller's tenant is spent."),
      '404': errorResponse('SESSION_NOT_FOUND: `session.reuse_existing` named an unknown session.'),
      '409': errorResponse('TASK_ID_CONFLICT, SESSION_ALREADY_EXISTS or SESSION_WORKSPACE_MISMATCH.'),
      '413': errorResponse('BODY_TOO_LARGE.'),
      '415': errorResponse('UNSUPPORTED_MEDIA_TYPE: the body is not application/json.'),
      '503': errorResponse('SHUTTING_DOWN.'),
    },
  }),
  listTasks: operation({
    method: 'get',
    path: '/api/v1/tasks',
    id: 'listTasks',
    summary: 'List tasks, newest first',
    tags: ['tasks'],
    query: {
      schema: listTasksQuerySchema,
      help: { status: 'Only tasks in this status.', limit: 'Page size.', cursor: 'The `next_cursor` of the previous page.' },
    },
    responses: { '200': json(taskListSchema, 'A page of tasks.'), '400': errorResponse('VALIDATION_ERROR.') },
  }),
  getTask: operation({
    method: 'get',
    path: '/api/v1/tasks/{task_id}',
    id: 'getTask',
    summary: 'Get a task',
    tags: ['tasks'],
    responses: { '200': json(taskSchema, 'The task.'), '404': errorResponse('TASK_NOT_FOUND.') },
  }),
  interruptTask: operation({
    method: 'post',
    path: '/api/v1/tasks/{task_id}/interrupt',
    id: 'interruptTask',
    summary: 'Interrupt a task',
    description: 'Answers once the task has stopped (at most `TASK_INTERRUPT_GRACE_MS` after asking). A queued task ends `interrupted` without running.',
    tags: ['tasks'],
    responses: {
      '200': json(taskSchema, 'The task, now `interrupted` (or the final status it reached first).'),
      '404': errorResponse('TASK_NOT_FOUND.'),
      '409': errorResponse('TASK_NOT_RUNNING: the task had already finished.'),
    },
  }),
};

/** `approvals` shows the tool calls a task waits on (pending_permissions); absent, none show. */
export function registerTaskRoutes(app: FastifyInstance, tasks: TaskService, approvals?: Pick<Approvals, 'pending'>): void {
  const pendingOf = async (task: Task) => (approvals ? await approvals.pending(task) : []);
  // Serialized by fast-json-stringify from the documented schemas (errors keep the default serializer).
  const submitted = responseJsonSchema(submitTaskResponseSchema);
  const task = { response: { 200: responseJsonSchema(taskSchema) } };

  app.post(urlOf(TASK_OPERATIONS.submitTask), { schema: { response: { 200: submitted, 201: submitted } } }, async (request, reply) => {
    const body: SubmitTaskBody = validate(submitTaskSchema, request.body, 'body');
    const { task, created } = await tasks.submit(request.tenant, body, undefined, traceOriginOf(request));
    return reply.code(created ? 201 : 200).send(submitView(request, task));
  });

  app.get(urlOf(TASK_OPERATIONS.listTasks), { schema: { response: { 200: responseJsonSchema(taskListSchema) } } }, async (request) => {
    const query = validate(listTasksQuerySchema, request.query, 'query');
    const page = await tasks.list(request.tenant, query);
    const pending = await Promise.all(page.items.map(pendingOf));
    return { tasks: page.items.map((t, i) => taskView(request, t, pending[i]!)), next_cursor: page.next_cursor };
  });

  app.get<{ Params: TaskParams }>(urlOf(TASK_OPERATIONS.getTask), { schema: task }, async (request) => {
    const found = await tasks.get(request.tenant, request.params.task_id);
    return taskView(request, found, await pendingOf(found));
  });

  app.post<{ Params: TaskParams }>(urlOf(TASK_OPERATIONS.interruptTask), { schema: task }, async (request) =>
    taskView(request, await tasks.interrupt(request.tenant, request.params.task_id)),
  );
}
