import type { AgentResult, AgentRunner } from '../agent/agent-types.js';
import type { ChangeTracker } from '../changes/change-tracker.js';
import type { ChangeBaseline } from '../changes/change-types.js';
import { taskError, type TaskError } from '../errors.js';
import type { ModelFailure } from '../model-proxy/model-failure.js';
import type { ModelGate } from '../model-proxy/model-gate.js';
import type { TaskMeter } from '../model-proxy/task-meter.js';
import { withMeteredCost } from './metered-cost.js';
import { stopRun } from './stop-run.js';
import type { ActiveTask } from './active-task.js';
import { recordChanges } from './task-changes.js';
import { checkWithBaseline } from './task-preflight.js';
import type { EventLog } from '../events/event-log.js';
import type { Logger } from '../observability/logger.js';
import type { SessionService } from '../sessions/session-service.js';
import { FencedWriteError, type Store } from '../storage/store.js';
import { decideOutcome, zeroUsageOutcome, type StopReason } from './outcome.js';
import { noteResourceLimit } from './resource-limit-event.js';
import type { QueueItem } from './scheduler.js';
import type { LocalApprovals } from './local-approvals.js';
import { classifyStorageError, type StorageHealth } from '../storage/storage-health.js';
import type { TaskFinisher } from './task-finisher.js';
import { withForkPoint } from './fork-point.js';
import { agentRunRequest, type RunDefaults } from './agent-run-request.js';
import type { Task } from './task-types.js';

export interface ExecutorSettings extends RunDefaults {
  interruptGraceMs: number;
  /** Recorded on the task as `instance_id` when it starts (INSTANCE_ID). */
  instanceId?: string;
  /** For tasks submitted without `timeout` (TASK_DEFAULT_TIMEOUT_SECONDS); 0 means none. */
  defaultTimeoutSeconds?: number;
}

/** Runs one task from `running` to a terminal state, and owns its interrupt and timeout. */
export class TaskExecutor {
  private readonly active = new Map<string, ActiveTask>();

  constructor(
    private readonly deps: {
      store: Store;
      events: EventLog;
      runner: AgentRunner;
      sessions: SessionService;
      finisher: TaskFinisher;
      logger: Logger;
      settings: ExecutorSettings;
      now: () => Date;
      redact: (text: string) => string;
      /** Records what each task changes in its workspace (changed_files and the diff). */
      changes?: ChangeTracker;
      /** Held tool calls of tasks with options.require_approval, answered over the API. */
      approvals?: LocalApprovals;
      /** Called as a task starts, with the session's task_count (transcript version) counting it. */
      beforeRun?: (sessionId: string, taskCount: number) => void;
      /** Where deferred writes go when storage fails (optional for tests that build an executor by hand). */
      storage?: StorageHealth;
      /** Checks the workspace just before the agent starts there (throws a WORKSPACE_* DomainError). */
      checkWorkspace?: (task: Task) => Promise<void>;
      /** What each task spends on model calls, as the credential proxy meters it. */
      meter?: TaskMeter;
      /** The credential proxy's hold on each task's model calls (see model-gate.ts). */
      modelGate?: ModelGate;
      /** Called as a task starts here (tracing); returns fields for the task's log lines. */
      onRunning?: (task: Task) => Record<string, unknown>;
    },
  ) {}

  activeTaskIds(): string[] {
    return [...this.active.keys()];
  }

  /** Resolves when the task has left the executor (finished), or at once if it is not here. */
  async whenDone(taskId: string): Promise<void> {
    await this.active.get(taskId)?.done;
  }

  /** Asks the agent to stop, then kills it if it has not stopped within the grace period. */
  stop(taskId: string, reason: StopReason): boolean {
    const entry = this.active.get(taskId);
    if (!entry) return false;
    if (entry.stopReason === null) entry.stopReason = reason;
    // Fail-closed: whatever stops the task denies what it waits for, so its turn can end.
    this.deps.approvals?.denyAll(taskId, `the task is stopping (${reason})`);
    if (entry.run && !entry.stopping) entry.stopping = stopRun(entry.run, entry.outputEnded, this.deps.settings.interruptGraceMs);
    return true;
  }

  /** The credential proxy gave up on a model request of this task: end the task with its code. */
  failFromModel(taskId: string, failure: ModelFailure): void {
    const entry = this.active.get(taskId);
    if (!entry || entry.modelFailure !== null) return;
    entry.modelFailure = taskError(failure.code, failure.message);
    this.stop(taskId, 'model_failure');
  }

  /** The proxy's meter says the task has spent its max_budget_usd: stop it (BUDGET_EXCEEDED). */
  stopForBudget(taskId: string, spentUsd: number): void {
    const entry = this.active.get(taskId);
    if (!entry) return;
    entry.spentUsd = Math.max(entry.spentUsd, spentUsd);
    this.stop(taskId, 'budget_exceeded');
  }

  /** Resolves false when the task's outcome could not be recorded (see RunTask). */
  execute = async (item: QueueItem): Promise<boolean> => {
    let resolveDone!: () => void;
    let resolveOutputEnded!: () => void;
    const entry: ActiveTask = {
      run: null,
      stopReason: null,
      stopping: null,
      modelFailure: null,
      spentUsd: 0,
      outputEnded: new Promise((r) => (resolveOutputEnded = r)),
      done: new Promise((r) => (resolveDone = r)),
      task: null,
      finishing: false,
    };
    this.active.set(item.taskId, entry);
    try {
      await this.executeTracked(item.taskId, entry, resolveOutputEnded);
      // A finish kept in memory until storage recovers counts as not recorded (see RunTask).
      return this.deps.finisher.recordOf(item.taskId) === null;
    } catch (error) {
      return await this.finishAfterFailure(item.taskId, entry, error);
    } finally {
      this.active.delete(item.taskId);
      resolveDone();
    }
  };

  private async executeTracked(taskId: string, entry: ActiveTask, outputEnded: () => void): Promise<void> {
    const { store, events, sessions, finisher, logger, settings } = this.deps;
    const startedAt = this.deps.now();
    const task = await store.updateTask(taskId, { status: 'running', started_at: startedAt.toISOString(), instance_id: settings.instanceId ?? null });
    if (!task) return;
    entry.task = task;
    const logFields = this.deps.onRunning?.(task);
    const session = await sessions.markBusy(task.session_id, taskId);
    if (session) this.deps.beforeRun?.(task.session_id, session.task_count);
    const resumed = Boolean(session?.sdk_session_id);
    logger.info('Task started', { task_id: taskId, session_id: task.session_id, workspace: task.workspace, resumed, ...logFields });

    let result: AgentResult | null = null;
    let failure: Error | null = null;
    let preflightError: TaskError | null = null;
    let timer: NodeJS.Timeout | undefined;
    let baselineTaken: Promise<ChangeBaseline | null> = Promise.resolve(null);
    let meteredUsd = 0;
    const timeoutSeconds = task.options.timeout ?? (settings.defaultTimeoutSeconds ? settings.defaultTimeoutSeconds : null);
    try {
      const preflight = session && entry.stopReason === null ? await checkWithBaseline(this.deps, task) : null;
      if (!session) {
        entry.stopReason = 'session_deleted';
      } else if (preflight && 'error' in preflight) {
        preflightError = preflight.error;
      } else if (preflight) {
        baselineTaken = preflight.baseline;
        // The baseline is taken while the prompt is on its way: the agent's first model call is
        // held at the credential proxy until it is done, and refused if the task was stopped
        // meanwhile. Without the gate the prompt itself waits.
        const ready = baselineTaken.then(() => entry.stopReason === null);
        this.deps.modelGate?.hold(taskId, ready);
        if (entry.stopReason === null) {
          this.deps.meter?.open(taskId, task.options.max_budget_usd ?? null);
          entry.run = this.deps.runner.start(
            agentRunRequest(task, session, settings, {
              beforePrompt: this.deps.modelGate ? Promise.resolve(entry.stopReason === null) : ready,
              taskSettled: entry.done,
              approval: this.deps.approvals?.approvalFor(task) ?? null,
            }),
          );
          if (timeoutSeconds !== null) {
            timer = setTimeout(() => this.stop(taskId, 'timed_out'), timeoutSeconds * 1000);
          }
          for await (const output of entry.run.outputs) {
            try {
              if (output.kind === 'started') await sessions.recordSdkSession(task.session_id, output.sdkSessionId);
              else if (output.kind === 'event') {
                const { event } = output;
                if (event.type === 'progress') event.data.cost_usd = Math.max(event.data.cost_usd, this.deps.meter?.spentUsd(taskId) ?? 0);
                await events.append(taskId, event);
                if (event.type === 'progress') this.checkBudget(taskId, entry, task.options.max_budget_usd, event.data.cost_usd);
              } else {
                result = output.result;
                this.checkBudget(taskId, entry, task.options.max_budget_usd, result.costUsd);
              }
            } catch (error) {
              if (!classifyStorageError(error)) throw error;
              this.stop(taskId, 'storage_unavailable');
            }
            // Progress that cannot be stored (held in memory) ends the task; the agent is stopped
            // and drained as usual, and the held events still reach live subscribers.
            if (events.hasHeld(taskId)) this.stop(taskId, 'storage_unavailable');
          }
        }
      }
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    } finally {
      clearTimeout(timer);
      meteredUsd = this.deps.meter?.close(taskId) ?? 0;
      this.deps.modelGate?.release(taskId);
      this.deps.approvals?.denyAll(taskId, 'the task has ended');
      outputEnded();
    }

    if (entry.stopReason === 'lease_lost' && !(failure instanceof FencedWriteError)) {
      // Before touching the session: an empty patch writes nothing but is refused if another
      // instance has taken the task over, and then its session is no longer ours to free.
      failure = await store.updateTask(taskId, {}).then(
        () => failure,
        (error: unknown) => (error instanceof FencedWriteError ? error : failure),
      );
    }
    if (failure instanceof FencedWriteError) {
      // Another instance took the task over (our lease expired): its process must stop here, and
      // the task's record, session and stream now belong to the new owner, so nothing is written.
      entry.run?.abort();
      logger.warn('Task was taken over by another instance; stopped its agent here', { task_id: taskId });
      void baselineTaken.then((baseline) => baseline?.discard());
      throw failure;
    }
    const resourceLimit = await noteResourceLimit(this.deps, taskId, entry.run, result !== null && failure === null);
    entry.spentUsd = Math.max(entry.spentUsd, meteredUsd);
    const decided = decideOutcome({
      result,
      failure: failure ? new Error(this.deps.redact(failure.message)) : null,
      stopReason: entry.stopReason,
      stderrTail: this.deps.redact(entry.run?.stderrTail() ?? ''),
      durationMs: this.deps.now().getTime() - startedAt.getTime(),
      timeoutSeconds,
      modelFailure: entry.modelFailure,
      budget: { limitUsd: task.options.max_budget_usd ?? null, spentUsd: entry.spentUsd },
      wantsStructuredResult: Boolean(task.options.output_schema),
      preflightError,
      resourceLimit,
      cwd: task.workspace,
    });
    const outcome = withMeteredCost(decided, meteredUsd);
    const cost =
      result || outcome.cost_usd > 0
        ? { taskCostUsd: outcome.cost_usd, sdkTotalCostUsd: result?.sdkTotalCostUsd ?? session?.sdk_cost_total_usd ?? 0 }
        : undefined;
    try {
      await sessions.markIdle(task.session_id, cost);
    } catch (error) {
      if (!classifyStorageError(error) || !this.deps.storage) throw error;
      this.deps.storage.defer(`session ${task.session_id} idle`, () => sessions.markIdle(task.session_id, cost));
    }
    const changes = await recordChanges(this.deps, taskId, await baselineTaken);
    entry.finishing = true;
    await finisher.finish(taskId, await withForkPoint(store, task, changes ? { ...outcome, changed_files: changes.files } : outcome, result), task);
  }

  /** Stops a task that has spent more than its max_budget_usd (it ends failed, BUDGET_EXCEEDED). */
  private checkBudget(taskId: string, entry: ActiveTask, limitUsd: number | null | undefined, spentUsd: number): void {
    entry.spentUsd = Math.max(entry.spentUsd, spentUsd);
    if (limitUsd === null || limitUsd === undefined || entry.spentUsd <= limitUsd) return;
    this.stop(taskId, 'budget_exceeded');
  }

  /**
   * Whatever failed underneath (storage, a bug), an accepted task still reaches a terminal
   * state and its stream still ends: the executor never drops a task. Resolves whether the
   * final record was stored.
   */
  private async finishAfterFailure(taskId: string, entry: ActiveTask, error: unknown): Promise<boolean> {
    const { logger, finisher } = this.deps;
    const storage = classifyStorageError(error);
    logger.error('Task executor failed; finishing the task as failed', { task_id: taskId, error });
    if (entry.finishing) return false;
    entry.finishing = true;
    const error_ = storage
      ? taskError('STORAGE_UNAVAILABLE', `The task could not run because storage failed: ${storage.reason}`)
      : taskError('INTERNAL_ERROR', `The task failed inside the server: ${this.deps.redact(error instanceof Error ? error.message : String(error))}`);
    try {
      await finisher.finish(taskId, zeroUsageOutcome('failed', error_), entry.task ?? undefined);
      return finisher.recordOf(taskId) === null;
    } catch (finishError) {
      logger.error('Task could not be finished', { task_id: taskId, error: finishError });
      return false;
    }
  }
}
