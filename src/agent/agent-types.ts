import type { EventDraft } from '../events/event-types.js';
import type { PermissionMode, TaskUsage } from '../tasks/task-types.js';

export interface AgentRunRequest {
  /** Our session id: the key of the session's live process. */
  sessionId: string;
  prompt: string;
  cwd: string;
  /** Claude Code conversation to continue, or null for a new one. */
  resumeSdkSessionId: string | null;
  allowedTools: readonly string[];
  permissionMode: PermissionMode;
  maxTurns: number;
  model: string | undefined;
  /**
   * The SDK reports cost cumulatively over a resumed conversation; this is the total it had
   * reported when the previous task of the session ended, subtracted to get this task's cost.
   */
  costBaselineUsd: number;
  /**
   * Opaque identity of the environment the agent process must run in (e.g. a tenant's uid and
   * namespaces); processes are only shared between tasks with the same one. '' when omitted.
   */
  sandboxIdentity?: string;
}

export interface AgentResult {
  isError: boolean;
  /** The SDK's result subtype: success, error_max_turns, error_during_execution, … */
  subtype: string;
  text: string | null;
  errors: string[];
  apiErrorStatus: number | null;
  usage: TaskUsage;
  numTurns: number;
  /** This task's cost (the SDK's running total minus the baseline). */
  costUsd: number;
  /** The SDK's running total for the conversation, the next task's baseline. */
  sdkTotalCostUsd: number;
  durationMs: number;
}

/** What a run yields, already free of SDK types. */
export type AgentOutput =
  | { kind: 'started'; sdkSessionId: string }
  | { kind: 'event'; event: EventDraft }
  | { kind: 'result'; result: AgentResult };

export interface AgentRun {
  readonly outputs: AsyncIterable<AgentOutput>;
  /** Asks the agent to stop at the next safe point; resolves once the request is sent. */
  interrupt(): Promise<void>;
  /** Kills the process; use when interrupt() did not end the run in time. */
  abort(): void;
  /** The last lines the CLI wrote to stderr, for failure messages. */
  stderrTail(): string;
  /** The agent process id once spawned (the setpriv wrapper execs into the CLI, so it is the CLI's). */
  pid(): number | null;
}

export interface AgentRunner {
  start(request: AgentRunRequest): AgentRun;
}
