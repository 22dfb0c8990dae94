import type { AgentRun } from '../agent/agent-types.js';
import type { TaskError } from '../errors.js';
import type { EventLog } from '../events/event-log.js';
import type { Logger } from '../observability/logger.js';

/**
 * A sandbox limit that struck during a run: it is the task's failure if the agent process died;
 * if the agent went on (only one of its commands was OOM-killed or refused a fork), the client
 * still learns of it from an `error` event, and the task ends as it would have. Returns the
 * failure to record, or null.
 */
export async function noteResourceLimit(
  deps: { events: EventLog; logger: Logger },
  taskId: string,
  run: AgentRun | null,
  agentWentOn: boolean,
): Promise<TaskError | null> {
  const hit = run?.resourceLimit?.() ?? null;
  if (hit === null || !agentWentOn) return hit;
  const message = `${hit.message}; the agent went on`;
  await deps.events.append(taskId, { type: 'error', data: { code: hit.code, message } }).catch((error: unknown) => {
    deps.logger.warn('Could not record a resource limit event', { task_id: taskId, error });
  });
  return null;
}
