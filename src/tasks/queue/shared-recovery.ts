import { taskError } from '../../errors.js';
import type { Store } from '../../storage/store.js';
import type { OrphanRules } from '../recover-orphans.js';
import type { TaskQueue } from './task-queue.js';

/** A submission stores its task just before queueing it; younger unqueued tasks may be mid-submit. */
const SUBMIT_WINDOW_MS = 60_000;

/**
 * What is orphaned in a shared queue. Unlike a lone server, a starting instance must not touch
 * running tasks: peers hold them under leases, and the lease reapers settle the ones whose
 * instance is gone. Only tasks the queue does not know at all are repaired: `running` with no
 * lease (the queue's state was lost, e.g. a Redis without persistence) ends `interrupted`, and
 * `queued` with no queue entry, older than a submission takes, is queued again.
 */
export function sharedQueueOrphans(deps: { store: Store; queue: TaskQueue; now: () => Date }): OrphanRules {
  const { store, queue, now } = deps;
  return {
    async isOrphanedRun(task) {
      if (await queue.knows(task.task_id)) return false;
      // A peer may have finished it, or leased it, since the list was read.
      const fresh = await store.getTask(task.task_id);
      return fresh?.status === 'running' && !(await queue.knows(task.task_id));
    },
    async isOrphanedQueued(task) {
      if (await queue.knows(task.task_id)) return false;
      return now().getTime() - Date.parse(task.created_at) > SUBMIT_WINDOW_MS;
    },
    lostRunError: taskError(
      'INSTANCE_LOST',
      'Task was interrupted because the queue lost track of it (its lease was gone); resubmit it, or continue its session',
    ),
    summary: 'Repaired tasks the shared queue did not know',
  };
}
