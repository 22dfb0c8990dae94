import type { TaskError } from '../errors.js';
import type { EventDraft } from '../events/event-types.js';
import type { TaskMcp } from '../mcp/mcp-servers.js';
import type { PermissionMode, TaskUsage } from '../tasks/task-types.js';

export interface AgentRunRequest {
  /** The task this turn runs: the process's proxy token serves it while the turn lasts. */
  taskId: string;
  /** Our session id: the key of the session's live process. */
  sessionId: string;
  /** Whose task it is: its process runs in that tenant's sandbox. */
  tenantId: string;
  prompt: string;
  /**
   * Settles once the prompt may be sent (the workspace's change-tracking baseline is taken, while
   * the process starts); false: the task was stopped meanwhile, and the turn ends unprompted.
   */
  beforePrompt?: Promise<boolean>;
  /**
   * Settles once the task is over (its changes recorded, its `complete` sent): the warm pool
   * starts a new spare only then, so that a CLI starting up never competes with the end of the
   * task for CPU. Without it, the pool refills as the turn ends.
   */
  taskSettled?: Promise<void>;
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
  /** Tools whose every call waits for the client's answer (options.require_approval); null for none. */
  approval?: ToolApproval | null;
  /** options.max_budget_usd: when set, progress events carry the spend so far (see turn-spend.ts). */
  maxBudgetUsd?: number | null;
  /**
   * options.output_schema. The SDK takes it only when a process starts (outputFormat), so such a
   * task gets a process of its own, retired after its turn (see process-manager.ts).
   */
  outputSchema?: Record<string, unknown> | null;
  /** The task's MCP servers over its tenant's default ones; null for none. */
  mcp?: TaskMcp | null;
}

/** A tool call held by the tool gate until the client allows or denies it. */
export interface ToolCallForApproval {
  toolName: string;
  input: Record<string, unknown>;
  toolUseId: string | null;
}

export type ApprovalDecision = { allow: true; updatedInput: Record<string, unknown> | null } | { allow: false; message: string };

export interface ToolApproval {
  /** Tool names (base names, as in allowed_tools) that need an answer. */
  tools: readonly string[];
  /** Resolves with the client's answer, or a denial (timeout, task ended): never rejects. */
  ask(call: ToolCallForApproval): Promise<ApprovalDecision>;
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
  /** The result's structured_output (with outputFormat); undefined when there is none. */
  structuredOutput?: unknown;
  /** Where the conversation stood when the turn ended, so a fork can continue from exactly there; null if it wrote nothing. */
  transcriptTail?: TranscriptTail | null;
}

/** The last transcript message of a turn: a fork "at the end of this task" slices up to it. */
export interface TranscriptTail {
  sdkSessionId: string;
  messageUuid: string;
}

/** What a run yields, already free of SDK types. */
export type AgentOutput = { kind: 'started'; sdkSessionId: string } | { kind: 'event'; event: EventDraft } | { kind: 'result'; result: AgentResult };

export interface AgentRun {
  readonly outputs: AsyncIterable<AgentOutput>;
  /** Asks the agent to stop at the next safe point; resolves once the request is sent. */
  interrupt(): Promise<void>;
  /** Kills the process; use when interrupt() did not end the run in time. */
  abort(): void;
  /** The last lines the CLI wrote to stderr, for failure messages. */
  stderrTail(): string;
  /** The agent process id once spawned: the CLI's, or in a sandbox bwrap's (the CLI dies with it). */
  pid(): number | null;
  /** A sandbox limit that struck during the turn (RESOURCE_LIMIT naming it), once the outputs have ended. */
  resourceLimit?(): TaskError | null;
  /** Where the run's agent process came from (reused, a warm spare, or a cold start); null until known. */
  processSource?(): 'reused' | 'spare' | 'cold' | null;
}

export interface AgentRunner {
  start(request: AgentRunRequest): AgentRun;
}
