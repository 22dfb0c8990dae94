import type { CompleteData, TaskEvent } from '../../../packages/client/src/index.js';
import type { AcpDeps, AcpSession, ActiveTurn } from './acp-session.js';
import { PermissionAsks } from './permission-asks.js';
import { sessionUpdatesFor } from './session-updates.js';

/**
 * Sends one task event to the editor. Every notification carries the event's `task_id` and `seq`
 * in `_meta.ccs`, so an editor (or a test) can tell a replay is complete and in order.
 */
export async function forwardEvent(session: AcpSession, event: TaskEvent): Promise<void> {
  for (const update of sessionUpdatesFor(event)) {
    await session.client.notify('session/update', { sessionId: session.id, update, _meta: { ccs: { task_id: event.task_id, seq: event.seq } } });
  }
}

/**
 * Follows a task's events after `after` to its `complete`, forwarding each to the editor and
 * asking the editor about each approval. The stream resumes by itself after a dropped connection,
 * without a gap or a duplicate; `pending` are approvals already seen (in a replay) and still open.
 */
export async function followTask(
  deps: AcpDeps,
  session: AcpSession,
  turn: ActiveTurn,
  taskId: string,
  options: { after: number; pending?: TaskEvent[] },
): Promise<CompleteData> {
  const asks = new PermissionAsks(deps, session, taskId, turn.asks.signal);
  const handle = (event: TaskEvent) => {
    if (event.type === 'permission_request') asks.ask(event.data);
    else if (event.type === 'permission_decision') asks.settled(event.data.request_id);
  };
  for (const event of options.pending ?? []) handle(event);
  for await (const event of deps.ccs.tasks.stream(taskId, { after: options.after, transport: deps.transport })) {
    await forwardEvent(session, event);
    handle(event);
    if (event.type === 'complete') return event.data;
  }
  throw new Error(`The event stream of task ${taskId} ended without its complete event`);
}
