import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import type { Store } from '../../storage/store.js';
import type { TaskService } from '../../tasks/task-service.js';
import { isTerminal } from '../../tasks/task-types.js';
import { externalId } from '../../tenancy/tenant.js';
import { webhookDeliveryView } from '../views.js';

interface Params {
  task_id: string;
}

/** What a task left behind: the deliveries of its webhook and the diff of its workspace changes. */
export function registerTaskExtraRoutes(app: FastifyInstance, deps: { tasks: TaskService; store: Store }): void {
  app.get<{ Params: Params }>('/api/v1/tasks/:task_id/webhooks', async (request) => {
    const task = await deps.tasks.get(request.tenant, request.params.task_id);
    const deliveries = await deps.store.listWebhookDeliveries(task.task_id);
    return { task_id: externalId(task.task_id), webhook: task.webhook, deliveries: deliveries.map(webhookDeliveryView) };
  });

  app.get<{ Params: Params }>('/api/v1/tasks/:task_id/diff', async (request, reply) => {
    const task = await deps.tasks.get(request.tenant, request.params.task_id);
    if (!isTerminal(task.status)) {
      throw new ApiError('TASK_NOT_FINISHED', `Task ${request.params.task_id} is ${task.status}; its diff is ready once it has finished`);
    }
    const diff = (await deps.store.getTaskDiff(task.task_id)) ?? '';
    return reply.type('text/x-diff; charset=utf-8').send(diff);
  });
}
