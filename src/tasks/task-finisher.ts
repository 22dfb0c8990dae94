import { traceLogFields } from '../observability/tracing/trace-context.js';
import type { EventLog } from '../events/event-log.js';
import { completeEvent } from './complete-event.js';
import type { Logger } from '../observability/logger.js';
import { redactDeep, type Redactor } from '../observability/redact.js';
import { retryWhileUnavailable } from '../storage/retry-unavailable.js';
import { classifyStorageError, type StorageHealth } from '../storage/storage-health.js';
import type { Store } from '../storage/store.js';
import type { Task, TaskStatus, TaskUsage } from './task-types.js';

export type TaskOutcome = Pick<Task, 'result' | 'usage' | 'num_turns' | 'cost_usd' | 'duration_ms' | 'error'> &
  Partial<Pick<Task, 'changed_files' | 'structured_result' | 'fork_point'>> & {
    status: Exclude<TaskStatus, 'queued' | 'running'>;
  };

/** Work that must be stored before the task's `complete` event is sent (e.g. its webhook delivery). */
export type FinishHook = (task: Task) => Promise<void>;

export type FinishListener = (task: Task) => void;

/**
 * The single way a task reaches a terminal state: the record is written first, then the
 * `error` event (if any), then exactly one `complete` event. A client that sees `complete` and
 * then reads the task therefore always sees the final state.
 *
 * If storage fails, the task is finished all the same: the final record is kept in memory
 * (`recordOf` serves it to readers), the events are held by the event log and reach live
 * subscribers from there, and both are written once storage recovers (StorageHealth.defer).
 */
export class TaskFinisher {
  private readonly listeners: FinishListener[] = [];
  /** Final records that storage could not take yet, by task id. */
  private readonly unrecorded = new Map<string, Task>();

  constructor(
    private readonly store: Store,
    private readonly events: EventLog,
    private readonly logger: Logger,
    private readonly now: () => Date,
    /** The agent's final text and errors may quote secrets it came across. */
    private readonly redact: Redactor = (text) => text,
    private readonly storage?: StorageHealth,
    /** Run after the final record is written and before `complete` is sent (the webhook outbox); a failing one is logged, not fatal. */
    private readonly hooks: readonly FinishHook[] = [],
  ) {}

  /** The final record of a task whose finish is not stored yet, or null. */
  recordOf(taskId: string): Task | null {
    const task = this.unrecorded.get(taskId);
    return task ? structuredClone(task) : null;
  }

  get unrecordedCount(): number {
    return this.unrecorded.size;
  }

  onFinish(listener: FinishListener): void {
    this.listeners.push(listener);
  }

  /** `known` is the caller's copy of the task, used when storage cannot be read or written. */
  async finish(taskId: string, rawOutcome: TaskOutcome, known?: Task): Promise<Task | null> {
    const outcome = redactDeep(rawOutcome, this.redact);
    const patch = { ...outcome, completed_at: this.now().toISOString() };
    let task: Task | null;
    let recorded = true;
    try {
      // A storage blip (Redis restarting) is ridden out first; a longer outage keeps the record for later.
      task = await retryWhileUnavailable(() => this.store.updateTask(taskId, patch));
    } catch (error) {
      if (!this.storage || !classifyStorageError(error)) throw error;
      recorded = false;
      const base = known ?? (await this.store.getTask(taskId).catch(() => null));
      task = base ? { ...base, ...patch } : null;
      if (task) this.unrecorded.set(taskId, task);
      this.logger.error('Task finish could not be stored; kept until storage recovers', { task_id: taskId, status: outcome.status, error });
    }
    if (!task) return null;
    const finished = task;
    const runHooks = async (): Promise<void> => {
      for (const hook of this.hooks) {
        await hook(finished).catch((error: unknown) => this.logger.error('Task finish hook failed', { task_id: taskId, error }));
      }
    };
    // Hooks (webhook deliveries) write to storage too: they follow the final record when it is stored.
    if (recorded) await runHooks();
    if (outcome.error) await this.events.append(taskId, { type: 'error', data: { ...outcome.error } });
    await this.events.append(taskId, completeEvent(outcome));
    this.events.forget(taskId);
    if (this.storage && (!recorded || this.events.hasHeld(taskId))) {
      this.storage.defer(`finish ${taskId}`, async () => {
        if (!recorded) {
          await this.store.updateTask(taskId, patch);
          recorded = true;
          this.unrecorded.delete(taskId);
          await runHooks();
        }
        await this.events.flushHeld(taskId);
      });
    }
    const context = {
      task_id: taskId,
      session_id: task.session_id,
      status: outcome.status,
      duration_ms: outcome.duration_ms,
      tokens_used: outcome.usage.input_tokens + outcome.usage.output_tokens,
      num_turns: outcome.num_turns,
      cost_usd: outcome.cost_usd,
      ...(outcome.error ? { error_code: outcome.error.code } : {}),
      ...traceLogFields(task),
    };
    if (outcome.status === 'completed') this.logger.info('Task completed', context);
    else this.logger.warn(`Task ${outcome.status}`, context);
    for (const listener of this.listeners) listener(task);
    return task;
  }
}

export const ZERO_USAGE: TaskUsage = { input_tokens: 0, output_tokens: 0 };
