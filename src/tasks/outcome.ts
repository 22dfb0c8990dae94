import { taskError, type TaskError } from '../errors.js';
import type { AgentResult } from '../agent/agent-types.js';
import { ZERO_USAGE, type TaskOutcome } from './task-finisher.js';
import type { Task } from './task-types.js';

export type StopReason =
  'interrupted' | 'timed_out' | 'session_deleted' | 'shutdown' | 'model_failure' | 'lease_lost' | 'storage_unavailable' | 'budget_exceeded';

/** The SDK's guess when a spawn fails, wrong for us: the binary is fine, its working directory is not. */
const MISLEADING_SPAWN_MESSAGE = /Claude Code native binary at .*? exists but failed to launch\..*?pathToClaudeCodeExecutable\./s;

const MAX_ERROR_MESSAGE = 2000;

function clip(text: string): string {
  return text.length > MAX_ERROR_MESSAGE ? `${text.slice(0, MAX_ERROR_MESSAGE)}…` : text;
}

/** Decides a finished run's status. A requested stop wins: the client asked for it, whatever the agent was doing. */
export function decideOutcome(input: {
  result: AgentResult | null;
  failure: Error | null;
  stopReason: StopReason | null;
  stderrTail: string;
  durationMs: number;
  timeoutSeconds: number | null;
  /** What the credential proxy reported when it gave up on a model request of this task. */
  modelFailure?: TaskError | null;
  /** options.max_budget_usd and the most the task was seen to spend (progress events, result). */
  budget?: { limitUsd: number | null; spentUsd: number };
  /** options.output_schema was set: a completed task must carry a structured result. */
  wantsStructuredResult?: boolean;
  /** A problem found before the agent was started (e.g. its workspace cannot be used). */
  preflightError?: TaskError | null;
  /** A sandbox limit (memory, processes) that struck while the agent process died. */
  resourceLimit?: TaskError | null;
  cwd?: string;
}): TaskOutcome {
  const { result } = input;
  const base = {
    result: result?.text ?? null,
    usage: result?.usage ?? ZERO_USAGE,
    num_turns: result?.numTurns ?? 0,
    cost_usd: result?.costUsd ?? 0,
    duration_ms: input.durationMs,
  };
  switch (input.stopReason) {
    case 'interrupted':
      return { ...base, status: 'interrupted', error: taskError('TASK_INTERRUPTED', 'Task was interrupted on request') };
    case 'shutdown':
      return { ...base, status: 'interrupted', error: taskError('TASK_INTERRUPTED', 'Task was interrupted because the server is shutting down') };
    case 'session_deleted':
      return { ...base, status: 'interrupted', error: taskError('SESSION_DELETED') };
    case 'lease_lost':
      return {
        ...base,
        status: 'interrupted',
        error: taskError('LEASE_LOST', 'Task was stopped because this instance could not renew its lease; another instance may have taken it over'),
      };
    case 'timed_out':
      return { ...base, status: 'timed_out', error: taskError('TASK_TIMEOUT', `Task exceeded its timeout of ${input.timeoutSeconds} s`) };
    case 'budget_exceeded': {
      // The spend so far: the result's total if the stopped turn still produced one, else the last progress.
      const spent = Math.max(base.cost_usd, input.budget?.spentUsd ?? 0);
      const limit = input.budget?.limitUsd ?? 0;
      return {
        ...base,
        cost_usd: spent,
        status: 'failed',
        error: taskError('BUDGET_EXCEEDED', `Task spent $${spent.toFixed(4)}, more than its max_budget_usd of $${limit}`),
      };
    }
    case 'model_failure':
      return { ...base, status: 'failed', error: input.modelFailure ?? taskError('MODEL_UNAVAILABLE') };
    case 'storage_unavailable':
      return {
        ...base,
        status: 'failed',
        error: taskError('STORAGE_UNAVAILABLE', 'The task was stopped because its progress could not be stored (storage failed; see /health)'),
      };
    case null:
      break;
  }
  if (input.preflightError) return { ...base, status: 'failed', error: input.preflightError };
  // The process died with a limit struck in its sandbox: that is why, whatever the SDK says.
  if (input.resourceLimit && (!result || input.failure)) return { ...base, status: 'failed', error: input.resourceLimit };
  if (input.wantsStructuredResult && result) return structuredOutcome(base, result);
  if (result && !result.isError) return { ...base, status: 'completed', error: null };
  if (result) {
    const detail = clip(result.errors.join('; ') || result.text || result.subtype);
    if (result.subtype === 'error_max_turns')
      return { ...base, status: 'failed', error: taskError('AGENT_MAX_TURNS', `The agent reached its turn limit (${result.numTurns} turns)`) };
    if (result.subtype === 'success') return { ...base, status: 'failed', error: taskError('AGENT_API_ERROR', detail) };
    return { ...base, status: 'failed', error: taskError('AGENT_EXECUTION_ERROR', detail) };
  }
  const failureMessage = input.failure?.message.replace(
    MISLEADING_SPAWN_MESSAGE,
    `The Claude Code process could not be started in ${input.cwd ?? 'its workspace'} (the workspace may have been removed or replaced, or is not usable by the agent's user).`,
  );
  const why = [failureMessage, input.stderrTail].filter(Boolean).join(' | stderr: ');
  return { ...base, status: 'failed', error: taskError('AGENT_PROCESS_FAILED', clip(why || 'The Claude Code process ended without a result')) };
}

/**
 * A task with an output_schema: the CLI validates the agent's answer against the schema (its
 * structured-output tool) and asks again when it does not match; a result without a valid answer
 * ends the task failed, never completed without structured_result.
 */
function structuredOutcome(base: Omit<TaskOutcome, 'status' | 'error'>, result: AgentResult): TaskOutcome {
  if (!result.isError && result.structuredOutput !== undefined)
    return { ...base, status: 'completed', error: null, structured_result: result.structuredOutput };
  if (!result.isError || result.subtype === 'error_max_structured_output_retries') {
    const why =
      result.subtype === 'error_max_structured_output_retries'
        ? 'the agent gave no answer matching output_schema within its retries'
        : 'the agent ended without a structured answer';
    const detail = result.errors.length > 0 ? `: ${clip(result.errors.join('; '))}` : '';
    return { ...base, status: 'failed', error: taskError('STRUCTURED_OUTPUT_INVALID', `No structured result: ${why}${detail}`) };
  }
  return decideOutcome({ result, failure: null, stopReason: null, stderrTail: '', durationMs: base.duration_ms ?? 0, timeoutSeconds: null });
}

/**
 * A task that was running when whatever ran it went away (a restart, a lost instance): it ends
 * `interrupted` with what it had recorded so far, and the time it ran until now.
 */
export function abandonedOutcome(task: Task, now: Date, error: TaskError): TaskOutcome {
  return {
    status: 'interrupted',
    result: null,
    usage: task.usage,
    num_turns: task.num_turns,
    cost_usd: task.cost_usd,
    duration_ms: task.started_at === null ? null : Math.max(0, now.getTime() - Date.parse(task.started_at)),
    error,
  };
}

/**
 * A task that ends with nothing to show from an agent: cancelled while queued, never queued, or
 * failed in the server before any result. It reports no usage, turns or cost rather than guess.
 */
export function zeroUsageOutcome(status: 'failed' | 'interrupted', error: TaskError): TaskOutcome {
  return { status, result: null, usage: { ...ZERO_USAGE }, num_turns: 0, cost_usd: 0, duration_ms: null, error };
}
