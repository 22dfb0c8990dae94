import type { EventLog } from '../events/event-log.js';
import type { Logger } from '../observability/logger.js';
import { redactDeep, type Redactor } from '../observability/redact.js';
import { retryWhileUnavailable } from '../storage/retry-unavailable.js';
import type { Store } from '../storage/store.js';
import type { Task, TaskStatus, TaskUsage } from './task-types.js';

export type TaskOutcome = Pick<Task, 'result' | 'usage' | 'num_turns' | 'cost_usd' | 'duration_ms' | 'error'> &
  Partial<Pick<Task, 'changed_files' | 'structured_result'>> & {
    status: Exclude<TaskStatus, 'queued' | 'running'>;
  };

/** Work that must be stored before the task's `complete` event is sent (e.g. its webhook delivery). */
export type FinishHook = (task: Task) => Promise<void>;

export type FinishListener = (task: Task) => void;

/**
 * The single way a task reaches a terminal state: the record is written first, then the
 * `error` event (if any), then exactly one `complete` event. A client that sees `complete` and
 * then reads the task therefore always sees the final state.
 */
export class TaskFinisher {
  private readonly listeners: FinishListener[] = [];
  private readonly hooks: FinishHook[] = [];

  constructor(
    private readonly store: Store,
    private readonly events: EventLog,
    private readonly logger: Logger,
    private readonly now: () => Date,
    /** The agent's final text and errors may quote secrets it came across. */
    private readonly redact: Redactor = (text) => text,
  ) {}

  onFinish(listener: FinishListener): void {
    this.listeners.push(listener);
  }

  /** Runs `hook` after the final record is written and before `complete` is sent; a failing hook is logged, not fatal. */
  beforeComplete(hook: FinishHook): void {
    this.hooks.push(hook);
  }

  async finish(taskId: string, rawOutcome: TaskOutcome): Promise<Task | null> {
    const outcome = redactDeep(rawOutcome, this.redact);
    const completedAt = this.now().toISOString();
    const task = await retryWhileUnavailable(() => this.store.updateTask(taskId, { ...outcome, completed_at: completedAt }));
    if (!task) return null;
    for (const hook of this.hooks) {
      await hook(task).catch((error: unknown) => this.logger.error('Task finish hook failed', { task_id: taskId, error }));
    }
    if (outcome.error) await this.events.append(taskId, { type: 'error', data: { ...outcome.error } });
    await this.events.append(taskId, {
      type: 'complete',
      data: {
        status: outcome.status,
        result: outcome.result,
        usage: outcome.usage,
        num_turns: outcome.num_turns,
        cost_usd: outcome.cost_usd,
        duration_ms: outcome.duration_ms,
        error: outcome.error,
      },
    });
    this.events.forget(taskId);
    const context = {
      task_id: taskId,
      session_id: task.session_id,
      status: outcome.status,
      duration_ms: outcome.duration_ms,
      tokens_used: outcome.usage.input_tokens + outcome.usage.output_tokens,
      num_turns: outcome.num_turns,
      cost_usd: outcome.cost_usd,
      ...(outcome.error ? { error_code: outcome.error.code } : {}),
    };
    if (outcome.status === 'completed') this.logger.info('Task completed', context);
    else this.logger.warn(`Task ${outcome.status}`, context);
    for (const listener of this.listeners) listener(task);
    return task;
  }
}

export const ZERO_USAGE: TaskUsage = { input_tokens: 0, output_tokens: 0 };
