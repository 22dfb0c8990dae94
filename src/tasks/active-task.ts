import type { AgentRun } from '../agent/agent-types.js';
import type { TaskError } from '../errors.js';
import type { StopReason } from './outcome.js';
import type { Task } from './task-types.js';

/** What the executor knows of a task while it runs. */
export interface ActiveTask {
  run: AgentRun | null;
  stopReason: StopReason | null;
  stopping: Promise<void> | null;
  modelFailure: TaskError | null;
  /** The most the task had spent by its last progress event, for a budget stop without a result. */
  spentUsd: number;
  /** Resolves when the agent's output stream has ended, however it ended. */
  outputEnded: Promise<void>;
  done: Promise<void>;
  /** The task's record once read, so it can be finished even if storage then fails. */
  task: Task | null;
  /** Set once the finisher has been called: a task is never finished twice. */
  finishing: boolean;
}
