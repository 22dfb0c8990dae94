import type { TaskError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../storage/store.js';
import { abandonedOutcome } from './outcome.js';
import type { TaskQueue } from './queue/task-queue.js';
import type { TaskFinisher } from './task-finisher.js';
import type { Task } from './task-types.js';

/** Which unfinished tasks have nothing behind them, and what to say about them: one server and a shared queue differ only here. */
export interface OrphanRules {
  /** A task stored as `running` that no process runs any more. */
  isOrphanedRun(task: Task): Promise<boolean>;
  /** A task stored as `queued` that is in no queue. */
  isOrphanedQueued(task: Task): Promise<boolean>;
  /** Why an orphaned run ends `interrupted`. */
  lostRunError: TaskError;
  /** Runs after the orphaned runs are ended and before anything is queued again, so a requeued task finds its session free. */
  beforeRequeue?: () => Promise<void>;
  /** The warning logged when anything was recovered. */
  summary: string;
}

export interface RecoveredTasks {
  interrupted: string[];
  requeued: string[];
}

/**
 * Start-up repair of the tasks an ended process left behind: an orphaned run becomes
 * `interrupted` with its `error` and `complete` events, and an orphaned queued task is queued
 * again, oldest first, so tasks keep their submission order.
 */
export async function recoverOrphans(
  deps: { store: Store; finisher: TaskFinisher; queue: TaskQueue; logger: Logger; now: () => Date },
  rules: OrphanRules,
): Promise<RecoveredTasks> {
  const { store, finisher, queue, logger, now } = deps;
  const unfinished = await store.tasksWithStatus(['running', 'queued']);
  const interrupted: string[] = [];
  for (const task of unfinished.filter((t) => t.status === 'running')) {
    if (!(await rules.isOrphanedRun(task))) continue;
    await finisher.finish(task.task_id, abandonedOutcome(task, now(), rules.lostRunError));
    interrupted.push(task.task_id);
  }
  await rules.beforeRequeue?.();
  const requeued: string[] = [];
  for (const task of unfinished.filter((t) => t.status === 'queued')) {
    if (!(await rules.isOrphanedQueued(task))) continue;
    await queue.requeue({ taskId: task.task_id, sessionId: task.session_id, tenantId: task.tenant_id, priority: task.options.priority ?? undefined });
    requeued.push(task.task_id);
  }
  if (interrupted.length > 0 || requeued.length > 0) logger.warn(rules.summary, { interrupted, requeued });
  return { interrupted, requeued };
}
