import type { TaskOrigin } from '../../../tasks/task-service.js';
import type { Services } from '../../../server/services.js';
import type { Task, TaskStatus } from '../../../tasks/task-types.js';
import { externalId, type Tenant } from '../../../tenancy/tenant.js';
import { A2aError } from './a2a-errors.js';
import { listParamsSchema, parseParams, sendParamsSchema, taskIdParamsSchema } from './a2a-params.js';
import { a2aTask } from './a2a-task-view.js';
import { sendMessage } from './send-message.js';
import { streamTask, waitForPause, type FrameOutput } from './task-stream.js';

/** One A2A request: who calls, with which services, until when (the client's connection). */
export interface A2aCall {
  services: Services;
  tenant: Tenant;
  signal: AbortSignal;
  /** The request's `traceparent`, for the tasks it starts. */
  origin?: TaskOrigin | undefined;
}

export async function snapshot(call: A2aCall, task: Task, options: { historyLength?: number; artifacts?: boolean } = {}) {
  return a2aTask(task, await call.services.approvals.pending(task), options);
}

/** SendMessage: blocks until the task ends or waits for an approval, unless returnImmediately (0.3: blocking false). */
export async function sendMessageOp(call: A2aCall, raw: unknown) {
  const params = parseParams(sendParamsSchema, raw);
  const { task, after } = await sendMessage(call.services, call.tenant, params, call.origin);
  const configuration = params.configuration;
  const immediately = configuration?.returnImmediately === true || configuration?.blocking === false;
  if (!immediately) await waitForPause(call.services, task, after, call.signal);
  const current = await call.services.tasks.get(call.tenant, params.message.taskId || externalId(task.task_id));
  return { task: await snapshot(call, current, { historyLength: configuration?.historyLength }) };
}

/** SendStreamingMessage: the task first, then what the message caused, until the task ends. */
export async function streamMessageOp(call: A2aCall, raw: unknown, out: FrameOutput): Promise<void> {
  const params = parseParams(sendParamsSchema, raw);
  const { task, after } = await sendMessage(call.services, call.tenant, params, call.origin);
  out.write({ seq: after, response: { task: await snapshot(call, task) } });
  await streamTask(call.services, call.tenant, task, after, out, call.signal);
}

/**
 * SubscribeToTask: the task as it is now, then its events after `lastEventId` (the seq in the
 * metadata of the last frame received), or all of them, replayed from the durable log then live.
 */
export async function subscribeOp(call: A2aCall, raw: unknown, lastEventId: number | undefined, out: FrameOutput): Promise<void> {
  const { id } = parseParams(taskIdParamsSchema, raw);
  const task = await call.services.tasks.get(call.tenant, id);
  const after = lastEventId ?? 0;
  if (await call.services.stream.isPastEnd(task.task_id, after)) {
    throw new A2aError('InvalidParams', `Task ${id} has no event ${after}: resume after the last seq you received`);
  }
  out.write({ seq: after, response: { task: await snapshot(call, task) } });
  await streamTask(call.services, call.tenant, task, after, out, call.signal);
}

export async function getTaskOp(call: A2aCall, raw: unknown) {
  const { id, historyLength } = parseParams(taskIdParamsSchema, raw);
  return snapshot(call, await call.services.tasks.get(call.tenant, id), { historyLength });
}

export async function cancelTaskOp(call: A2aCall, raw: unknown) {
  const { id } = parseParams(taskIdParamsSchema, raw);
  return snapshot(call, await call.services.tasks.interrupt(call.tenant, id));
}

/** A2A states onto our statuses for ListTasks' filter (input-required: running, with an approval pending). */
const STATUS_OF_STATE: Record<string, TaskStatus> = {
  TASK_STATE_SUBMITTED: 'queued',
  TASK_STATE_WORKING: 'running',
  TASK_STATE_INPUT_REQUIRED: 'running',
  TASK_STATE_COMPLETED: 'completed',
  TASK_STATE_FAILED: 'failed',
  TASK_STATE_CANCELED: 'interrupted',
};
const STATE_NAMES = [
  '',
  'TASK_STATE_SUBMITTED',
  'TASK_STATE_WORKING',
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
  'TASK_STATE_INPUT_REQUIRED',
];

/** ListTasks: the caller's tasks, newest first, a page at a time (pageToken is our cursor). */
export async function listTasksOp(call: A2aCall, raw: unknown) {
  const params = parseParams(listParamsSchema, raw);
  const stateName = typeof params.status === 'number' ? STATE_NAMES[params.status] : params.status;
  const status = stateName ? STATUS_OF_STATE[stateName] : undefined;
  if (stateName && stateName !== 'TASK_STATE_UNSPECIFIED' && status === undefined) {
    return { tasks: [], nextPageToken: '', pageSize: params.pageSize ?? 50, totalSize: 0 };
  }
  const pageSize = params.pageSize ?? 50;
  const page = await call.services.tasks.list(call.tenant, {
    limit: pageSize,
    ...(status ? { status } : {}),
    ...(params.pageToken ? { cursor: params.pageToken } : {}),
  });
  const options = { historyLength: params.historyLength, artifacts: params.includeArtifacts === true || params.includeArtifacts === 'true' };
  const all = await Promise.all(page.items.map((task) => snapshot(call, task, options)));
  // Filters our store cannot apply are applied to the page: such a page may hold fewer than pageSize.
  const tasks = all.filter(
    (t) => (!params.contextId || t.contextId === params.contextId) && (stateName !== 'TASK_STATE_INPUT_REQUIRED' || t.status.state === stateName),
  );
  return { tasks, nextPageToken: page.next_cursor ?? '', pageSize, totalSize: tasks.length };
}
