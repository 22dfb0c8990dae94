import { taskError } from '../../errors.js';
import { abandonedOutcome } from '../outcome.js';
import type { Logger } from '../../observability/logger.js';
import type { Store } from '../../storage/store.js';
import type { TaskFinisher } from '../task-finisher.js';
import type { TaskQueue } from './task-queue.js';

/** A submission stores its task just before queueing it; younger unqueued tasks may be mid-submit. */
const SUBMIT_WINDOW_MS = 60_000;

/**
 * Start-up check of a shared queue. Unlike a lone server, a starting instance must not touch
 * running tasks: peers hold them under leases, and the lease reapers settle the ones whose
 * instance is gone. Only tasks the queue does not know at all are repaired: `running` with no
 * lease (the queue's state was lost, e.g. a Redis without persistence) ends `interrupted`, and
 * `queued` with no queue entry, older than a submission takes, is queued again.
 */
export async function repairSharedQueue(deps: {
  store: Store;
  finisher: TaskFinisher;
  queue: TaskQueue;
  logger: Logger;
  now: () => Date;
}): Promise<{ interrupted: string[]; requeued: string[] }> {
  const { store, finisher, queue, logger, now } = deps;
  const interrupted: string[] = [];
  const requeued: string[] = [];
  for (const task of await store.tasksWithStatus(['running', 'queued'])) {
    if (await queue.knows(task.task_id)) continue;
    if (task.status === 'running') {
      const fresh = await store.getTask(task.task_id);
      if (fresh?.status !== 'running' || (await queue.knows(task.task_id))) continue;
      await finisher.finish(
        task.task_id,
        abandonedOutcome(
          task,
          now(),
          taskError('INSTANCE_LOST', 'Task was interrupted because the queue lost track of it (its lease was gone); resubmit it, or continue its session'),
        ),
      );
      interrupted.push(task.task_id);
    } else if (now().getTime() - Date.parse(task.created_at) > SUBMIT_WINDOW_MS) {
      await queue.requeue({ taskId: task.task_id, sessionId: task.session_id, tenantId: task.tenant_id });
      requeued.push(task.task_id);
    }
  }
  if (interrupted.length > 0 || requeued.length > 0) logger.warn('Repaired tasks the shared queue did not know', { interrupted, requeued });
  return { interrupted, requeued };
}
