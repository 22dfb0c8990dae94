import type { Task } from '../../../tasks/task-types.js';
import { externalId } from '../../../tenancy/tenant.js';
import type { WebhookEvent } from '../../../webhooks/webhook-types.js';
import { a2aTask, agentMessage, dataPart } from './a2a-task-view.js';

/**
 * The body A2A receivers expect (a StreamResponse): the whole task once it has finished, or an
 * input-required status update when it waits for an approval.
 */
export function a2aPushPayload(task: Task, event: WebhookEvent, extra: Record<string, unknown>): string {
  if (event !== 'permission_request') return JSON.stringify({ task: a2aTask(task, []) });
  const ids = { taskId: externalId(task.task_id), contextId: externalId(task.session_id) };
  const message = agentMessage(task, `${ids.taskId}-approval-${String(extra.request_id)}`, [
    { text: `Approval needed: ${String(extra.tool_name)}. Answer with a message on this task: "allow" or "deny".` },
    dataPart({ permission_request: extra }),
  ]);
  return JSON.stringify({ statusUpdate: { ...ids, status: { state: 'TASK_STATE_INPUT_REQUIRED', message, timestamp: new Date().toISOString() } } });
}
