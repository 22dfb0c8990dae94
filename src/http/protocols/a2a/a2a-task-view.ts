import type { PendingPermission } from '../../../tasks/local-approvals.js';
import type { Task, TaskStatus } from '../../../tasks/task-types.js';
import { externalId } from '../../../tenancy/tenant.js';

/** A2A task states as the protobuf JSON spells them. */
export type A2aState =
  'TASK_STATE_SUBMITTED' | 'TASK_STATE_WORKING' | 'TASK_STATE_INPUT_REQUIRED' | 'TASK_STATE_COMPLETED' | 'TASK_STATE_CANCELED' | 'TASK_STATE_FAILED';

/** Our status onto A2A's; a running task that waits on an approval is input-required. */
export const STATE_OF_STATUS: Record<TaskStatus, A2aState> = {
  queued: 'TASK_STATE_SUBMITTED',
  running: 'TASK_STATE_WORKING',
  completed: 'TASK_STATE_COMPLETED',
  failed: 'TASK_STATE_FAILED',
  interrupted: 'TASK_STATE_CANCELED',
  timed_out: 'TASK_STATE_FAILED',
};

export function stateOf(task: Pick<Task, 'status'>, pending: readonly unknown[]): A2aState {
  return task.status === 'running' && pending.length > 0 ? 'TASK_STATE_INPUT_REQUIRED' : STATE_OF_STATUS[task.status];
}

export type WirePart = { text: string } | { data: unknown; mediaType: 'application/json' };

export interface WireMessage {
  messageId: string;
  contextId: string;
  taskId: string;
  role: 'ROLE_USER' | 'ROLE_AGENT';
  parts: WirePart[];
  metadata?: Record<string, unknown>;
}

export const dataPart = (data: unknown): WirePart => ({ data, mediaType: 'application/json' });

export function agentMessage(task: Task, messageId: string, parts: WirePart[]): WireMessage {
  return { messageId, contextId: externalId(task.session_id), taskId: externalId(task.task_id), role: 'ROLE_AGENT', parts };
}

/** Why a waiting task waits, and how the client answers (see docs/protocols/a2a.md). */
export function approvalMessage(task: Task, request: Omit<PendingPermission, 'requested_at'>): WireMessage {
  const text =
    `Approval needed: ${request.tool_name} wants to run with ${JSON.stringify(request.input)}. ` +
    `Answer with a message on this task: "allow" or "deny" (or a data part {"decision", "request_id", "message"}).`;
  return agentMessage(task, `${externalId(task.task_id)}-approval-${request.request_id}`, [{ text }, dataPart({ permission_request: request })]);
}

/** The status message of a finished task: its result text, or why it did not complete. */
function finalMessage(task: Task): WireMessage | undefined {
  const id = `${externalId(task.task_id)}-final`;
  if (task.error) return agentMessage(task, id, [{ text: `${task.error.code}: ${task.error.message}` }, dataPart({ error: task.error })]);
  if (task.result !== null) return agentMessage(task, id, [{ text: task.result }]);
  return undefined;
}

export interface WireArtifact {
  artifactId: string;
  name: string;
  description: string;
  parts: WirePart[];
}

/** A finished task's outputs: its result text, structured_result and changed files. */
export function artifactsOf(task: Task): WireArtifact[] {
  const artifacts: WireArtifact[] = [];
  if (task.result !== null) {
    artifacts.push({ artifactId: 'result', name: 'result', description: "The agent's final answer.", parts: [{ text: task.result }] });
  }
  if (task.structured_result !== undefined && task.structured_result !== null) {
    artifacts.push({
      artifactId: 'structured-result',
      name: 'structured_result',
      description: 'The answer matching options.output_schema.',
      parts: [dataPart(task.structured_result)],
    });
  }
  if (task.changed_files !== null) {
    artifacts.push({
      artifactId: 'changed-files',
      name: 'changed_files',
      description: 'Files the task created, modified or deleted in its workspace.',
      parts: [dataPart({ changed_files: task.changed_files })],
    });
  }
  return artifacts;
}

export function statusOf(task: Task, pending: readonly PendingPermission[]) {
  const state = stateOf(task, pending);
  const message = state === 'TASK_STATE_INPUT_REQUIRED' ? approvalMessage(task, pending[0]!) : finalMessage(task);
  const timestamp = task.completed_at ?? task.started_at ?? task.created_at;
  return message ? { state, message, timestamp } : { state, timestamp };
}

/** Our task record as an A2A Task (protobuf JSON). */
export function a2aTask(task: Task, pending: readonly PendingPermission[], options: { historyLength?: number; artifacts?: boolean } = {}) {
  const id = externalId(task.task_id);
  const contextId = externalId(task.session_id);
  const prompt: WireMessage = { messageId: `${id}-prompt`, contextId, taskId: id, role: 'ROLE_USER', parts: [{ text: task.prompt }] };
  return {
    id,
    contextId,
    status: statusOf(task, pending),
    artifacts: options.artifacts === false ? [] : artifactsOf(task),
    history: options.historyLength === 0 ? [] : [prompt],
    metadata: {
      ccs: {
        status: task.status,
        error: task.error,
        cost_usd: task.cost_usd,
        usage: task.usage,
        num_turns: task.num_turns,
        duration_ms: task.duration_ms,
        created_at: task.created_at,
        pending_permissions: pending,
      },
    },
  };
}

export type WireTask = ReturnType<typeof a2aTask>;
