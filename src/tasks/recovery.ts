import { taskError } from '../errors.js';
import { abandonedOutcome } from './outcome.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../storage/store.js';
import { repairSharedQueue } from './queue/shared-recovery.js';
import type { Scheduler } from './scheduler.js';
import type { TaskFinisher } from './task-finisher.js';

/**
 * Start-up repair after the previous process ended, however it ended. With a queue of its own,
 * one server owns its store, so a task still marked `running` has no process behind it any
 * more: it becomes `interrupted` and its stream gets its `error` and `complete` events. Queued
 * tasks are queued again in their original order, and sessions left `busy` are freed.
 * With a shared queue, other instances may be running those tasks: see shared-recovery.ts.
 */
export async function recoverAfterRestart(deps: {
  store: Store;
  finisher: TaskFinisher;
  scheduler: Scheduler;
  logger: Logger;
  now: () => Date;
}): Promise<{ interrupted: string[]; requeued: string[] }> {
  const { store, finisher, scheduler, logger, now } = deps;
  if (scheduler.queue.shared) return repairSharedQueue({ store, finisher, queue: scheduler.queue, logger, now });
  const interrupted: string[] = [];
  for (const task of await store.tasksWithStatus(['running'])) {
    await finisher.finish(
      task.task_id,
      abandonedOutcome(
        task,
        now(),
        taskError('SERVER_RESTARTED', 'Task was interrupted because the server stopped while it ran; resubmit it, or continue its session'),
      ),
    );
    interrupted.push(task.task_id);
  }
  for (const session of await store.listSessions()) {
    if (session.status === 'busy') await store.updateSession(session.session_id, { status: 'idle', current_task_id: null });
  }
  const requeued: string[] = [];
  for (const task of await store.tasksWithStatus(['queued'])) {
    await scheduler.queue.requeue({ taskId: task.task_id, sessionId: task.session_id, tenantId: task.tenant_id });
    requeued.push(task.task_id);
  }
  if (interrupted.length > 0 || requeued.length > 0) logger.warn('Recovered tasks from the previous run', { interrupted, requeued });
  return { interrupted, requeued };
}
