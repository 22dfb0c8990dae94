import type { PendingPermission } from '../../../../packages/client/src/types.js';
import type { EventSink, EventStream } from '../../../events/event-stream.js';
import type { TaskEvent } from '../../../events/event-types.js';
import type { Approvals } from '../../../tasks/approvals.js';
import type { TaskService } from '../../../tasks/task-service.js';
import type { Task } from '../../../tasks/task-types.js';
import { externalId, type Tenant } from '../../../tenancy/tenant.js';
import { mapTaskEvent, PERMISSION_ANSWER_SCHEMA, type AguiEvent, type AguiInterrupt } from './agui-events.js';
import { interruptId } from './run-input.js';
import type { AguiSse } from './sse-writer.js';

export interface RunStreamDeps {
  tasks: TaskService;
  approvals: Pick<Approvals, 'pending'>;
  stream: EventStream;
}

/** Which task a stream follows, and the AG-UI thread and run its RUN_* events name. */
export interface RunTarget {
  tenant: Tenant;
  task: Task;
  threadId: string;
  runId: string;
}

/**
 * How the stream stopped: `ended` (RUN_FINISHED or RUN_ERROR was sent: the task ended or waits
 * on an approval), `client_gone`, or `failed` (the log could not be read; RUN_ERROR was sent).
 */
export type RunStreamEnd = 'ended' | 'client_gone' | 'failed';

function toInterrupt(pending: PendingPermission, clientTaskId: string): AguiInterrupt {
  return {
    id: interruptId(pending.request_id, clientTaskId),
    reason: 'tool_approval',
    message: `The agent asks to run ${pending.tool_name}${pending.reason ? `: ${pending.reason}` : ''}`,
    ...(pending.tool_use_id ? { toolCallId: pending.tool_use_id } : {}),
    responseSchema: PERMISSION_ANSWER_SCHEMA,
    expiresAt: pending.expires_at,
    metadata: { task_id: clientTaskId, request_id: pending.request_id, tool_name: pending.tool_name, input: pending.input },
  };
}

/** The events that close a run whose task has ended: the final state, then how it ended. */
export function finalEvents(task: Task, threadId: string, runId: string): AguiEvent[] {
  const clientTaskId = externalId(task.task_id);
  const state: AguiEvent = {
    type: 'STATE_SNAPSHOT',
    snapshot: {
      task_id: clientTaskId,
      status: task.status,
      cost_usd: task.cost_usd,
      num_turns: task.num_turns,
      files_changed: (task.changed_files ?? []).map((file) => file.path),
      changed_files: task.changed_files,
    },
  };
  if (task.status === 'completed') {
    const result = {
      task_id: clientTaskId,
      session_id: externalId(task.session_id),
      status: task.status,
      result: task.result,
      structured_result: task.structured_result ?? null,
      cost_usd: task.cost_usd,
      num_turns: task.num_turns,
      usage: task.usage,
    };
    return [state, { type: 'RUN_FINISHED', threadId, runId, result, outcome: { type: 'success' } }];
  }
  if (task.status === 'interrupted') return [state, { type: 'RUN_FINISHED', threadId, runId, outcome: { type: 'cancelled' } }];
  const code = task.error?.code ?? (task.status === 'timed_out' ? 'TASK_TIMEOUT' : 'INTERNAL_ERROR');
  return [state, { type: 'RUN_ERROR', code, message: task.error?.message ?? `Task ended ${task.status}` }];
}

/**
 * Sends a task's events after `afterSeq` as AG-UI events, from the durable log (history, then
 * live), until the task ends or waits on an approval that is still open. A permission request
 * that was already settled (a replay) is passed on as a CUSTOM event and the stream goes on.
 */
export async function streamRun(deps: RunStreamDeps, target: RunTarget, afterSeq: number, sse: AguiSse): Promise<RunStreamEnd> {
  const { tenant, threadId, runId } = target;
  const clientTaskId = externalId(target.task.task_id);
  const stop = new AbortController();
  let ended = false;
  let failure: unknown;
  const emit = async (events: AguiEvent[]): Promise<void> => {
    for (const event of events) await sse.write(event);
  };
  const finish = async (events: AguiEvent[]): Promise<void> => {
    await emit(events);
    ended = true;
    stop.abort();
  };

  const handle = async (event: TaskEvent): Promise<void> => {
    if (ended) return;
    if (event.type === 'permission_request') {
      const pending = await deps.approvals.pending(await deps.tasks.get(tenant, clientTaskId));
      if (pending.some((p) => p.request_id === event.data.request_id)) {
        const interrupts = pending.map((p) => toInterrupt(p, clientTaskId));
        return finish([{ type: 'RUN_FINISHED', threadId, runId, outcome: { type: 'interrupt', interrupts } }]);
      }
      return emit([{ type: 'CUSTOM', name: 'ccs.permission_request', value: event.data }]);
    }
    if (event.type === 'complete') return finish(finalEvents(await deps.tasks.get(tenant, clientTaskId), threadId, runId));
    return emit(mapTaskEvent(event, clientTaskId));
  };

  let chain: Promise<void> = Promise.resolve();
  const sink: EventSink = {
    send: (event) => {
      chain = chain
        .then(() => handle(event))
        .catch((error: unknown) => {
          failure ??= error;
          stop.abort();
        });
    },
    buffered: () => sse.queuedBytes(),
    flushed: () => chain,
  };
  const end = await deps.stream.run(target.task.task_id, afterSeq, sink, AbortSignal.any([stop.signal, sse.closed]));
  await chain;
  if (ended) return 'ended';
  if (sse.closed.aborted) return 'client_gone';
  // The log failed, the client stalled or the server is stopping: say so in the protocol's terms.
  const message = failure instanceof Error ? failure.message : end.reason === 'error' ? 'The event log could not be read' : `Stream ended: ${end.reason}`;
  await sse.write({ type: 'RUN_ERROR', code: end.reason === 'stopped' ? 'SHUTTING_DOWN' : 'INTERNAL_ERROR', message });
  return 'failed';
}
