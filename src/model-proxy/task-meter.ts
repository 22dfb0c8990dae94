/** The abort reason of calls cut because their task's budget is spent (else the task ended). */
export const BUDGET_SPENT = 'budget_spent';
const TASK_ENDED = 'task_ended';

/** One model call being relayed for a task. */
export interface MeteredCall {
  /** Aborts when the task's budget is spent or the task ends: the relay then cuts the call. */
  readonly signal: AbortSignal;
  /** The response has been seen to cost this much more. */
  charge(usd: number): void;
  /** The call is over (answered, failed or cut). */
  end(): void;
}

interface TaskSpend {
  readonly limitUsd: number | null;
  spentUsd: number;
  readonly calls: Set<AbortController>;
  /** Set once the listener has been told: a task is stopped once. */
  overBudget: boolean;
}

export type OverBudgetListener = (taskId: string, spentUsd: number, limitUsd: number) => void;

/**
 * What each running task has spent on model calls, as the credential proxy measured it from
 * the responses it relayed. Every call made with the task's token counts, the CLI's own and
 * any other (a raw request with a token read out of the sandbox), so this figure does not
 * depend on what the agent reports about itself.
 *
 * A task with max_budget_usd is refused further calls once its spend reaches the limit, its
 * calls still running are cut, and the listener (the executor) stops the task.
 */
export class TaskMeter {
  private readonly tasks = new Map<string, TaskSpend>();
  private listener: OverBudgetListener = () => undefined;

  /** Called once per task, when its spend first reaches its budget or a call is refused for it. */
  onOverBudget(listener: OverBudgetListener): void {
    this.listener = listener;
  }

  /** The task starts: calls made for it are metered from now on. */
  open(taskId: string, limitUsd: number | null): void {
    if (!this.tasks.has(taskId)) this.tasks.set(taskId, { limitUsd, spentUsd: 0, calls: new Set(), overBudget: false });
  }

  /** The task ended: returns what it spent; calls still running for it are cut. */
  close(taskId: string): number {
    const task = this.tasks.get(taskId);
    if (!task) return 0;
    this.tasks.delete(taskId);
    for (const call of task.calls) call.abort(TASK_ENDED);
    return task.spentUsd;
  }

  spentUsd(taskId: string): number {
    return this.tasks.get(taskId)?.spentUsd ?? 0;
  }

  /**
   * Whether the task may make another call. A refused call tells the listener, so the task
   * ends BUDGET_EXCEEDED rather than as a model failure.
   */
  admits(taskId: string): boolean {
    const task = this.tasks.get(taskId);
    if (!task || task.limitUsd === null || task.spentUsd < task.limitUsd) return true;
    this.reachedBudget(taskId, task);
    return false;
  }

  /** A call starts for the task; null when the task is not metered here (no task opened it). */
  begin(taskId: string): MeteredCall | null {
    const task = this.tasks.get(taskId);
    if (!task) return null;
    const controller = new AbortController();
    task.calls.add(controller);
    return {
      signal: controller.signal,
      charge: (usd) => {
        if (!(usd > 0)) return;
        // A closed task's late bytes are not counted any more; its cost is recorded already.
        if (this.tasks.get(taskId) !== task) return;
        task.spentUsd += usd;
        if (task.limitUsd !== null && task.spentUsd >= task.limitUsd) this.reachedBudget(taskId, task);
      },
      end: () => {
        task.calls.delete(controller);
      },
    };
  }

  private reachedBudget(taskId: string, task: TaskSpend): void {
    for (const call of task.calls) call.abort(BUDGET_SPENT);
    if (task.overBudget || task.limitUsd === null) return;
    task.overBudget = true;
    this.listener(taskId, task.spentUsd, task.limitUsd);
  }
}
