import type { ProcessCredential } from '../model-proxy/credential-broker.js';
import type { PermissionMode } from '../tasks/task-types.js';
import type { AgentOutput, AgentRun, AgentRunRequest } from './agent-types.js';
import { EventMapper } from './event-mapper.js';
import type { PromptChannel } from './prompt-channel.js';
import type { SDKMessage, SdkQuery } from './sdk.js';
import type { StderrTail } from './stderr-tail.js';

/** How long a closing process may take to exit by itself before it is killed. */
const CLOSE_GRACE_MS = 3000;

export interface LiveProcessParts {
  query: SdkQuery;
  channel: PromptChannel;
  key: string;
  abortController: AbortController;
  stderr: StderrTail;
  pid: () => number | null;
  permissionMode: PermissionMode;
  model: string | undefined;
  credential: ProcessCredential;
}

/**
 * One Claude Code process in streaming-input mode, kept alive between tasks: each task is one
 * more prompt into it, with no spawn and no transcript reload. One turn runs at a time.
 */
export class LiveProcess {
  readonly key: string;
  lastUsedAt = Date.now();
  private readonly iterator: AsyncIterator<SDKMessage>;
  private alive = true;
  private busy = false;
  private retired = false;
  private closing: Promise<void> | null = null;
  private permissionMode: PermissionMode;
  private model: string | undefined;

  constructor(private readonly parts: LiveProcessParts) {
    this.key = parts.key;
    this.iterator = parts.query[Symbol.asyncIterator]();
    this.permissionMode = parts.permissionMode;
    this.model = parts.model;
  }

  /** Can take another task: the process is running and nothing made it unfit. */
  get usable(): boolean {
    return this.alive && !this.retired;
  }

  get isBusy(): boolean {
    return this.busy;
  }

  pid(): number | null {
    return this.parts.pid();
  }

  runTurn(request: AgentRunRequest): AgentRun {
    this.busy = true;
    const mapper = new EventMapper(request.cwd, request.costBaselineUsd);
    const outputs = async function* (this: LiveProcess): AsyncGenerator<AgentOutput> {
      this.parts.credential.activate(request.taskId);
      try {
        await this.applyTaskSettings(request);
        this.parts.channel.push(request.prompt);
        for (;;) {
          const step = await this.iterator.next();
          if (step.done) throw new Error('The Claude Code process exited before the task finished');
          for (const output of mapper.map(step.value)) {
            yield output;
            if (output.kind !== 'result') continue;
            // After a turn cut off by max_turns the process carries a dangling tool call into
            // the next prompt; the next task gets a fresh process that resumes the transcript.
            if (output.result.subtype === 'error_max_turns') this.retire();
            return;
          }
        }
      } catch (error) {
        this.alive = false;
        void this.close();
        throw error;
      } finally {
        this.parts.credential.deactivate();
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
    };
  }

  /** Marks the process unfit for further tasks; it is closed once its current turn ends. */
  retire(): void {
    this.retired = true;
  }

  /** Ends the process: closing its input lets it exit cleanly; it is killed if it lingers. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.alive = false;
    this.parts.credential.revoke();
    this.parts.channel.close();
    const kill = setTimeout(() => this.parts.abortController.abort(), CLOSE_GRACE_MS);
    kill.unref();
    // Drain what is left so the SDK's final error (if any) is not an unhandled rejection.
    this.closing = (async () => {
      try {
        while (!(await this.iterator.next()).done);
      } catch {
        // the process is going away; its last word does not matter
      } finally {
        clearTimeout(kill);
      }
    })();
    return this.closing;
  }

  private async applyTaskSettings(request: AgentRunRequest): Promise<void> {
    if (request.permissionMode !== this.permissionMode) {
      await this.parts.query.setPermissionMode(request.permissionMode);
      this.permissionMode = request.permissionMode;
    }
    if (request.model !== this.model) {
      await this.parts.query.setModel(request.model);
      this.model = request.model;
    }
  }
}
