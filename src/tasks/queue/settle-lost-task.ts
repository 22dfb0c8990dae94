import { taskError } from '../../errors.js';
import { abandonedOutcome } from '../outcome.js';
import { completeEvent } from '../complete-event.js';
import type { EventLog } from '../../events/event-log.js';
import type { Logger } from '../../observability/logger.js';
import type { Store } from '../../storage/store.js';
import type { TaskFinisher } from '../task-finisher.js';
import { isTerminal, type Task } from '../task-types.js';
import type { ClaimedTask } from './task-queue.js';

/**
 * Ends a task whose instance was lost, once the reaper holds its new fence. A task still
 * `queued` never started, so it goes back in the queue. Usually it was
 * running: it becomes `interrupted` (INSTANCE_LOST) with `error` and `complete` events. If its
 * holder had already written the outcome but died before its `complete` event, only the stream
 * is finished; a terminal task is never written twice.
 */
export function lostTaskSettler(deps: {
  store: Store;
  events: EventLog;
  finisher: TaskFinisher;
  logger: Logger;
  now: () => Date;
  /** Frees what the task held besides its lease (its session). */
  onSettled?: (task: Task) => Promise<void> | void;
}): (claimed: ClaimedTask) => Promise<'settled' | 'requeue'> {
  const { store, events, finisher, logger, now } = deps;
  return async (claimed) => {
    const task = await store.getTask(claimed.taskId);
    if (!task) return 'settled';
    // Claimed, but its holder died before marking it running: the agent never started.
    if (task.status === 'queued') return 'requeue';
    if (isTerminal(task.status)) {
      const last = await store.lastEventSeq(task.task_id);
      const [lastEvent] = last === 0 ? [] : await store.readEvents(task.task_id, last - 1, 1);
      if (lastEvent?.type !== 'complete') {
        await events.append(task.task_id, completeEvent(task));
      }
      events.forget(task.task_id);
    } else {
      await finisher.finish(
        task.task_id,
        abandonedOutcome(
          task,
          now(),
          taskError(
            'INSTANCE_LOST',
            'Task was interrupted because the instance running it stopped renewing its lease (killed, frozen or cut off from Redis); resubmit it, or continue its session',
          ),
        ),
      );
      logger.warn('Interrupted a task whose instance was lost', { task_id: task.task_id, new_fence: claimed.fence });
    }
    const final = await store.getTask(task.task_id);
    if (final) await deps.onSettled?.(final);
    return 'settled';
  };
}
