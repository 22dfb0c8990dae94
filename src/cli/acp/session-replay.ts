import type { Task, TaskEvent } from '../../../packages/client/src/index.js';
import type { AcpDeps, AcpSession } from './acp-session.js';
import { newTurn } from './acp-session.js';
import { followTask, forwardEvent } from './task-follower.js';
import { userMessage } from './session-updates.js';

const PAGE = 500;

/** The session's tasks, oldest first. The API lists a tenant's tasks newest first, without a session filter. */
async function tasksOf(deps: AcpDeps, sessionId: string): Promise<Task[]> {
  const found: Task[] = [];
  for await (const task of deps.ccs.tasks.listAll({ limit: 100 })) if (task.session_id === sessionId) found.push(task);
  return found.reverse();
}

/** Replays one task's stored events; says where it stopped and, if it has not ended, which approvals are still open. */
async function replayTask(deps: AcpDeps, session: AcpSession, task: Task): Promise<{ after: number; ended: boolean; pending: TaskEvent[] }> {
  await session.client.notify('session/update', {
    sessionId: session.id,
    update: userMessage(task.prompt, task.task_id),
    _meta: { ccs: { task_id: task.task_id, seq: 0 } },
  });
  const open = new Map<string, TaskEvent>();
  let after = 0;
  let ended = false;
  for (;;) {
    const page = await deps.ccs.tasks.events(task.task_id, { after, limit: PAGE });
    for (const event of page.events) {
      await forwardEvent(session, event);
      if (event.type === 'permission_request') open.set(event.data.request_id, event);
      if (event.type === 'permission_decision') open.delete(event.data.request_id);
      if (event.type === 'complete') ended = true;
    }
    after = page.next_after;
    if (!page.has_more) return { after, ended, pending: [...open.values()] };
  }
}

/**
 * session/load: the whole conversation from the server's durable event log, as session/update
 * notifications, before the answer. A task still running goes on streaming after the answer,
 * from the next event on, so an editor that reconnects mid-task misses nothing.
 */
export async function replaySession(deps: AcpDeps, session: AcpSession): Promise<void> {
  for (const task of await tasksOf(deps, session.id)) {
    const { after, ended, pending } = await replayTask(deps, session, task);
    // Ended, or already followed by this process (a second load of the same session).
    if (ended || session.turn?.taskId === task.task_id) continue;
    const turn = newTurn(task.task_id);
    session.turn = turn;
    void followTask(deps, session, turn, task.task_id, { after, pending })
      .catch((error: unknown) => deps.log(`ccs acp: following task ${task.task_id} failed: ${String(error)}`))
      .finally(() => {
        turn.asks.abort();
        if (session.turn === turn) session.turn = undefined;
      });
  }
}
