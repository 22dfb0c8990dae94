import type { Task } from '../../../tasks/task-types.js';
import { externalId } from '../../../tenancy/tenant.js';
import type { A2aCall } from './a2a-operations.js';
import { A2aError } from './a2a-errors.js';
import { configRefSchema, parseParams, pushConfigSchema } from './a2a-params.js';
import { pushConfigOf } from './send-message.js';

/**
 * A2A push-notification configs are the task's webhook: one per task, delivered (signed, retried)
 * by the webhook outbox on every instance, with the config's token and authentication added.
 */
function configView(task: Task) {
  const webhook = task.webhook;
  const push = webhook?.push_config;
  if (!webhook || !push) return null;
  return {
    id: push.id,
    taskId: externalId(task.task_id),
    url: webhook.url,
    ...(push.token ? { token: push.token } : {}),
    ...(push.authentication ? { authentication: push.authentication } : {}),
  };
}

function configOf(task: Task, id: string | undefined) {
  const config = configView(task);
  if (!config || (id && config.id !== id)) {
    throw new A2aError('TaskNotFound', `Task ${externalId(task.task_id)} has no push notification config ${id ?? ''}`.trim(), 'TASK_NOT_FOUND');
  }
  return config;
}

export async function createPushConfigOp(call: A2aCall, raw: unknown, taskIdFromPath?: string) {
  const params = parseParams(pushConfigSchema, raw);
  const taskId = taskIdFromPath ?? params.taskId;
  if (!taskId) throw new A2aError('InvalidParams', 'Invalid params: taskId is required');
  const task = await call.services.tasks.replaceWebhook(call.tenant, taskId, { url: params.url, push_config: pushConfigOf(params) });
  return configOf(task, undefined);
}

export async function getPushConfigOp(call: A2aCall, raw: unknown) {
  const { taskId, id } = parseParams(configRefSchema, raw);
  return configOf(await call.services.tasks.get(call.tenant, taskId), id);
}

export async function listPushConfigsOp(call: A2aCall, raw: unknown) {
  const { taskId } = parseParams(configRefSchema, raw);
  const config = configView(await call.services.tasks.get(call.tenant, taskId));
  return { configs: config ? [config] : [], nextPageToken: '' };
}

export async function deletePushConfigOp(call: A2aCall, raw: unknown): Promise<Record<string, never>> {
  const { taskId, id } = parseParams(configRefSchema, raw);
  configOf(await call.services.tasks.get(call.tenant, taskId), id);
  await call.services.tasks.replaceWebhook(call.tenant, taskId, null);
  return {};
}
