import type { ChangeBaseline } from '../changes/change-types.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../storage/store.js';
import type { Task } from './task-types.js';

/**
 * A task's workspace changes from its baseline, with the diff stored (redacted: the agent may
 * have written a secret it came across); null when they could not be worked out, which never
 * fails the task: its changed_files is then left null.
 */
export async function recordChanges(
  deps: { store: Pick<Store, 'saveTaskDiff'>; redact: (text: string) => string; logger: Logger },
  taskId: string,
  baseline: ChangeBaseline | null,
): Promise<{ files: NonNullable<Task['changed_files']> } | null> {
  if (baseline === null) return null;
  try {
    const report = await baseline.finish();
    await deps.store.saveTaskDiff(taskId, deps.redact(report.diff));
    return { files: report.files };
  } catch (error) {
    deps.logger.warn("Could not work out the task's workspace changes", { task_id: taskId, error });
    return null;
  }
}
