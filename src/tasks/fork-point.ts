import type { AgentResult } from '../agent/agent-types.js';
import type { Store } from '../storage/store.js';
import type { FinishHook, TaskOutcome } from './task-finisher.js';

/** The outcome with the point a fork at this task continues from, when the turn left one. */
export function withForkPoint(outcome: TaskOutcome, result: AgentResult | null): TaskOutcome {
  const tail = result?.transcriptTail;
  if (!tail) return outcome;
  return { ...outcome, fork_point: { sdk_session_id: tail.sdkSessionId, message_uuid: tail.messageUuid } };
}

/**
 * Once a task's final record (with its fork point) is stored, its session remembers it as the
 * default point to fork at. A session runs one task at a time, so these writes come in order.
 */
export function rememberLastTurn(store: Store): FinishHook {
  return async (task) => {
    if (task.fork_point) await store.updateSession(task.session_id, { last_turn_task_id: task.task_id });
  };
}
