import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import type { Store } from '../../storage/store.js';
import type { TaskService } from '../../tasks/task-service.js';
import { isTerminal } from '../../tasks/task-types.js';
import { externalId } from '../../tenancy/tenant.js';
import { errorResponse, json, operation, urlOf } from '../openapi/operation.js';
import { webhookDeliveryListSchema } from '../response-schemas.js';
import { webhookDeliveryView } from '../views.js';

interface Params {
  task_id: string;
}

export const TASK_EXTRA_OPERATIONS = {
  getTaskWebhooks: operation({
    method: 'get',
    path: '/api/v1/tasks/{task_id}/webhooks',
    id: 'getTaskWebhooks',
    summary: "A task's webhook deliveries",
    description:
      'Every notification stored for the task, with its attempts and outcome. Deliveries are retried with backoff for up to `WEBHOOK_MAX_AGE_HOURS`.',
    tags: ['tasks'],
    responses: { '200': json(webhookDeliveryListSchema, 'The deliveries, oldest first.'), '404': errorResponse('TASK_NOT_FOUND.') },
  }),
  getTaskDiff: operation({
    method: 'get',
    path: '/api/v1/tasks/{task_id}/diff',
    id: 'getTaskDiff',
    summary: 'A unified diff of what a finished task changed in its workspace',
    description:
      "Through git where the workspace is in a repository (against the state at the task's start, without touching your index or committing), " +
      'otherwise from a snapshot taken at its start. Binary and huge files are listed in `changed_files` but not diffed. Empty when nothing changed.',
    tags: ['tasks'],
    responses: {
      '200': { description: 'The diff.', content: { 'text/x-diff': { schema: { type: 'string' } } } },
      '404': errorResponse('TASK_NOT_FOUND.'),
      '409': errorResponse('TASK_NOT_FINISHED: the task is queued or running.'),
    },
  }),
};

/** What a task left behind: the deliveries of its webhook and the diff of its workspace changes. */
export function registerTaskExtraRoutes(app: FastifyInstance, deps: { tasks: TaskService; store: Store }): void {
  app.get<{ Params: Params }>(urlOf(TASK_EXTRA_OPERATIONS.getTaskWebhooks), async (request) => {
    const task = await deps.tasks.get(request.tenant, request.params.task_id);
    const deliveries = await deps.store.listWebhookDeliveries(task.task_id);
    // The documented shape only: an A2A push config's token stays out of the REST answer.
    const webhook = task.webhook && { url: task.webhook.url, events: task.webhook.events };
    return { task_id: externalId(task.task_id), webhook, deliveries: deliveries.map(webhookDeliveryView) };
  });

  app.get<{ Params: Params }>(urlOf(TASK_EXTRA_OPERATIONS.getTaskDiff), async (request, reply) => {
    const task = await deps.tasks.get(request.tenant, request.params.task_id);
    if (!isTerminal(task.status)) {
      throw new ApiError('TASK_NOT_FINISHED', `Task ${request.params.task_id} is ${task.status}; its diff is ready once it has finished`);
    }
    const diff = (await deps.store.getTaskDiff(task.task_id)) ?? '';
    return reply.type('text/x-diff; charset=utf-8').send(diff);
  });
}
