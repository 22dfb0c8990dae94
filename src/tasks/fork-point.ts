import type { AgentResult } from '../agent/agent-types.js';
import type { Store } from '../storage/store.js';
import type { TaskOutcome } from './task-finisher.js';
import type { Task } from './task-types.js';

/**
 * The outcome with the point a fork at this task continues from, when the turn left one. The
 * session learns that this task is its latest fork point first, before the task's final record
 * is written: a client that sees the task finished and forks the session at once then finds it
 * (the fork waits for a latest task that is still being finished, see session-forks.ts).
 */
export async function withForkPoint(store: Store, task: Task, outcome: TaskOutcome, result: AgentResult | null): Promise<TaskOutcome> {
  const tail = result?.transcriptTail;
  if (!tail) return outcome;
  // A failed write only makes the default fork point stale; it must never keep the task from finishing.
  await store.updateSession(task.session_id, { last_turn_task_id: task.task_id }).catch(() => undefined);
  return { ...outcome, fork_point: { sdk_session_id: tail.sdkSessionId, message_uuid: tail.messageUuid } };
}
