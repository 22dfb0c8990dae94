import type { ChangeTracker } from '../changes/change-tracker.js';
import type { ChangeBaseline } from '../changes/change-types.js';
import { DomainError, taskError, type TaskError } from '../errors.js';
import { StorageUnavailableError } from '../storage/storage-unavailable.js';
import type { Task } from './task-types.js';

export interface PreflightDeps {
  changes?: Pick<ChangeTracker, 'begin'> | null;
  checkWorkspace?: (task: Task) => Promise<void>;
}

/** A task that may start, with its baseline on the way; or why it may not. */
export type Preflight = { baseline: Promise<ChangeBaseline | null> } | { error: TaskError };

/**
 * What must hold before the agent starts (the workspace check), side by side with the
 * change-tracking baseline: both run in the tenant's sandbox, and a warm task should not wait for
 * one after the other. A baseline of a workspace that fails its check is dropped; one that failed
 * because the check had to create the workspace again is taken once more. A failed check is the
 * task's error, with a clear code.
 */
export async function checkWithBaseline(deps: PreflightDeps, task: Task): Promise<Preflight> {
  const changes = deps.changes ?? null;
  const begin = (): Promise<ChangeBaseline | null> => changes?.begin(task.task_id, task.workspace, task.tenant_id) ?? Promise.resolve(null);
  const early = begin();
  const drop = (): void => void early.then((baseline) => baseline?.discard());
  let checked: TaskError | null;
  try {
    checked = await checkWorkspace(deps, task);
  } catch (error) {
    drop();
    throw error;
  }
  if (checked !== null) {
    drop();
    return { error: checked };
  }
  return { baseline: early.then((baseline) => baseline ?? (changes ? begin() : null)) };
}

async function checkWorkspace(deps: PreflightDeps, task: Task): Promise<TaskError | null> {
  if (!deps.checkWorkspace) return null;
  try {
    await deps.checkWorkspace(task);
    return null;
  } catch (error) {
    // A refused workspace ends the task with its code; a storage outage travels on as one.
    if (error instanceof DomainError && !(error instanceof StorageUnavailableError)) return taskError(error.code, error.message);
    throw error;
  }
}
