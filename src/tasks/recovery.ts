import { taskError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../storage/store.js';
import { sharedQueueOrphans } from './queue/shared-recovery.js';
import { recoverOrphans, type OrphanRules, type RecoveredTasks } from './recover-orphans.js';
import type { Scheduler } from './scheduler.js';
import type { TaskFinisher } from './task-finisher.js';

/**
 * Start-up repair after the previous process ended, however it ended. With a queue of its own,
 * one server owns its store, so every task still marked `running` has no process behind it any
 * more, every `queued` one was only in the dead process's memory, and sessions left `busy` are
 * freed. With a shared queue, other instances may be running those tasks: see shared-recovery.ts.
 */
export async function recoverAfterRestart(deps: {
  store: Store;
  finisher: TaskFinisher;
  scheduler: Scheduler;
  logger: Logger;
  now: () => Date;
}): Promise<RecoveredTasks> {
  const { store, scheduler } = deps;
  const rules = scheduler.queue.shared ? sharedQueueOrphans({ store, queue: scheduler.queue, now: deps.now }) : singleServerOrphans(store);
  return recoverOrphans({ ...deps, queue: scheduler.queue }, rules);
}

function singleServerOrphans(store: Store): OrphanRules {
  return {
    isOrphanedRun: () => Promise.resolve(true),
    isOrphanedQueued: () => Promise.resolve(true),
    lostRunError: taskError('SERVER_RESTARTED', 'Task was interrupted because the server stopped while it ran; resubmit it, or continue its session'),
    beforeRequeue: async () => {
      for (const session of await store.listSessions()) {
        if (session.status === 'busy') await store.updateSession(session.session_id, { status: 'idle', current_task_id: null });
      }
    },
    summary: 'Recovered tasks from the previous run',
  };
}
