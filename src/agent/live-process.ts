import type { TaskError } from '../errors.js';
import type { ProcessCredential } from '../model-proxy/credential-broker.js';
import type { LimitCounters } from './isolation/limits/cgroup-group.js';
import type { ProcessLimits } from './isolation/limits/process-limits.js';
import type { PermissionMode } from '../tasks/task-types.js';
import type { AgentOutput, AgentRun, AgentRunRequest } from './agent-types.js';
import { EventMapper } from './event-mapper.js';
import { awaitExitOrKill } from './process-exit.js';
import type { PromptChannel } from './prompt-channel.js';
import type { SDKMessage, SdkQuery } from './sdk.js';
import { STRUCTURED_OUTPUT_TOOL } from './spawn-options.js';
import type { StderrTail } from './stderr-tail.js';
import { allowedToolsKey, taskPermissionSettings, type ToolGate } from './tool-gate.js';
import { TurnLimit } from './turn-limit.js';
import { TurnSpend } from './turn-spend.js';

/** How long a closing process may take to exit by itself before it is killed. */
const CLOSE_GRACE_MS = 3000;

export interface LiveProcessParts {
  query: SdkQuery;
  channel: PromptChannel;
  key: string;
  abortController: AbortController;
  stderr: StderrTail;
  pid: () => number | null;
  /** Settles once the OS process is gone. */
  exited: Promise<void>;
  toolGate: ToolGate;
  /** Its credential-proxy token: serves a task only while that task's turn runs. */
  credential: ProcessCredential;
  /** The settings the process already has (from its spawn or claim), so the first turn does not resend them. */
  permissionMode: PermissionMode;
  model: string | undefined;
  allowedTools: readonly string[] | null;
  /** Its sandbox's limits, whose counters tell whether one struck during a turn. */
  limits?: ProcessLimits | null;
}

/**
 * One Claude Code process in streaming-input mode, kept alive between tasks: each task is one
 * more prompt into it, with no spawn and no transcript reload. One turn runs at a time, and each
 * turn brings its own settings: permission mode, model, permission rules and tool gate for its
 * allowed_tools, and its own turn limit.
 */
export class LiveProcess {
  readonly key: string;
  lastUsedAt = Date.now();
  private readonly iterator: AsyncIterator<SDKMessage>;
  private alive = true;
  private exitedFlag = false;
  private busy = false;
  private closing: Promise<void> | null = null;
  private permissionMode: PermissionMode;
  private model: string | undefined;
  private toolsKey: string | null;
  /** The limit counters when the current turn began (zero for a process that has run no turn). */
  private limitBaseline: LimitCounters | null;

  constructor(private readonly parts: LiveProcessParts) {
    this.key = parts.key;
    this.iterator = parts.query[Symbol.asyncIterator]();
    this.permissionMode = parts.permissionMode;
    this.model = parts.model;
    this.toolsKey = parts.allowedTools === null ? null : allowedToolsKey(parts.allowedTools);
    this.limitBaseline = parts.limits?.counters() ?? null;
    void parts.exited.then(() => {
      this.exitedFlag = true;
      this.alive = false;
    });
  }

  /** Can take another task: the process is running and no failure made it unfit. */
  get usable(): boolean {
    return this.alive;
  }

  get isBusy(): boolean {
    return this.busy;
  }

  /** Whether the OS process is gone. */
  get hasExited(): boolean {
    return this.exitedFlag;
  }

  get exited(): Promise<void> {
    return this.parts.exited;
  }

  /** Its sandbox's limits (null without a cgroup or rlimits). */
  get limits(): ProcessLimits | null {
    return this.parts.limits ?? null;
  }

  pid(): number | null {
    return this.parts.pid();
  }

  /**
   * Holds the process for a task from the moment it is picked until its turn ends, so that
   * nothing (an eviction for another task's slot) closes it in between.
   */
  hold(): void {
    this.busy = true;
  }

  /** Lets go of a hold when the task did not run after all. */
  unhold(): void {
    this.busy = false;
    this.lastUsedAt = Date.now();
  }

  runTurn(request: AgentRunRequest): AgentRun {
    this.busy = true;
    const mapper = new EventMapper(request.cwd, request.costBaselineUsd);
    const limit = new TurnLimit(request.maxTurns);
    let limitStop: Promise<unknown> | null = null;
    let resourceLimit: TaskError | null = null;
    const outputs = async function* (this: LiveProcess): AsyncGenerator<AgentOutput> {
      this.parts.credential.activate(request.taskId);
      try {
        await this.applyTaskSettings(request);
        // A task with an output schema answers through the CLI's structured-output tool.
        const tools = request.outputSchema ? [...request.allowedTools, STRUCTURED_OUTPUT_TOOL] : request.allowedTools;
        this.parts.toolGate.openFor(tools, request.approval ?? null);
        // Only a task with a budget pays for the extra round trips of measuring its spend.
        const spend = request.maxBudgetUsd ? new TurnSpend(this.parts.query) : null;
        await spend?.begin();
        if (request.beforePrompt && !(await request.beforePrompt)) return;
        this.parts.channel.push(request.prompt);
        for (;;) {
          const step = await this.iterator.next();
          if (step.done) throw new Error('The Claude Code process exited before the task finished');
          let message = step.value;
          const verdict = limit.observe(message);
          if (verdict === 'drop') continue;
          if (verdict === 'pass-then-stop') {
            // No tool may run past the limit, even if the model answers before the interrupt lands.
            this.parts.toolGate.shut(`the task reached its turn limit (${request.maxTurns})`);
            limitStop = this.parts.query.interrupt().catch(() => undefined);
          }
          if (message.type === 'result' && limit.reached) {
            await limitStop;
            message = limit.asMaxTurnsResult(message);
          }
          for (const output of mapper.map(message)) {
            if (spend && output.kind === 'event' && output.event.type === 'progress') {
              const spent = await spend.sinceBegin();
              if (spent !== null) output.event.data.cost_usd = Math.max(output.event.data.cost_usd, spent);
            }
            yield output;
            if (output.kind === 'result') return;
          }
        }
      } catch (error) {
        this.alive = false;
        void this.close();
        throw error;
      } finally {
        if (this.limitBaseline !== null && this.parts.limits) {
          resourceLimit = this.parts.limits.breachSince(this.limitBaseline);
          this.limitBaseline = this.parts.limits.counters();
        }
        this.parts.credential.deactivate();
        this.parts.toolGate.shut('no task is running in this agent process');
        this.busy = false;
        this.lastUsedAt = Date.now();
      }
    }.call(this);

    return {
      outputs,
      interrupt: async () => {
        await this.parts.query.interrupt();
      },
      abort: () => {
        this.alive = false;
        this.parts.abortController.abort();
      },
      stderrTail: () => this.parts.stderr.text(),
      pid: () => this.parts.pid(),
      resourceLimit: () => resourceLimit,
    };
  }

  /**
   * Ends the process: closing its input lets it exit cleanly; it is killed if it lingers.
   * Resolves once the OS process is gone, so its slot can be given to another.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.alive = false;
    this.parts.credential.revoke();
    this.parts.toolGate.shut('the agent process is closing');
    this.parts.channel.close();
    // Drain what is left so the SDK's final error (if any) is not an unhandled rejection.
    const drained = (async () => {
      try {
        while (!(await this.iterator.next()).done);
      } catch {
        // the process is going away; its last word does not matter
      }
    })();
    this.closing = awaitExitOrKill(Promise.all([drained, this.parts.exited]), [this.parts.abortController], CLOSE_GRACE_MS);
    return this.closing;
  }

  private async applyTaskSettings(request: AgentRunRequest): Promise<void> {
    const { query } = this.parts;
    const toolsKey = allowedToolsKey(request.allowedTools);
    // Independent settings: sent together, one round trip for all of them.
    await Promise.all([
      request.permissionMode !== this.permissionMode ? query.setPermissionMode(request.permissionMode) : null,
      request.model !== this.model ? query.setModel(request.model) : null,
      toolsKey !== this.toolsKey ? query.applyFlagSettings(taskPermissionSettings(request.allowedTools)) : null,
    ]);
    this.permissionMode = request.permissionMode;
    this.model = request.model;
    this.toolsKey = toolsKey;
  }
}
