import { query, type SdkOptions, type SDKUserMessage } from './sdk.js';
import { EventMapper } from './event-mapper.js';
import { spawnClaudeProcess } from './process-spawner.js';
import type { AgentOutput, AgentRun, AgentRunner, AgentRunRequest } from './agent-types.js';

const STDERR_TAIL_LINES = 20;

export interface SdkRunnerConfig {
  env: Record<string, string>;
  /** Whether this process may grant bypassPermissions (the CLI refuses it as root). */
  allowBypassPermissions: boolean;
  /** Launch the CLI under `setpriv --pdeathsig KILL` so it cannot outlive the server. */
  usePdeathsig: boolean;
  /** Handed to the CLI on a pipe, never in its environment (see process-spawner.ts). */
  apiKey: string;
}

/**
 * Runs each task as one `query()` in streaming-input mode: streaming input is what makes
 * `interrupt()` available, and closing the input after the result lets the CLI exit cleanly.
 */
export class SdkAgentRunner implements AgentRunner {
  constructor(private readonly config: SdkRunnerConfig) {}

  start(request: AgentRunRequest): AgentRun {
    const abortController = new AbortController();
    const input = new PromptChannel();
    const stderrLines: string[] = [];
    const onStderr = (data: string): void => {
      stderrLines.push(...data.split('\n').filter((line) => line.trim() !== ''));
      if (stderrLines.length > STDERR_TAIL_LINES) stderrLines.splice(0, stderrLines.length - STDERR_TAIL_LINES);
    };
    let pid: number | null = null;

    const options: SdkOptions = {
      cwd: request.cwd,
      env: this.config.env,
      abortController,
      tools: [...request.allowedTools],
      allowedTools: [...request.allowedTools],
      permissionMode: request.permissionMode,
      allowDangerouslySkipPermissions: request.permissionMode === 'bypassPermissions' && this.config.allowBypassPermissions,
      // Nobody sits at a terminal: anything that would ask for permission is denied at once.
      permissionPrompts: 'none',
      maxTurns: request.maxTurns,
      // Project settings carry the repository's CLAUDE.md; user settings live in our own config dir.
      settingSources: ['project'],
      stderr: onStderr,
      spawnClaudeCodeProcess: (spawnOptions) =>
        spawnClaudeProcess(spawnOptions, {
          usePdeathsig: this.config.usePdeathsig,
          apiKey: this.config.apiKey,
          onStderr,
          onSpawn: (spawned) => (pid = spawned),
        }),
    };
    if (request.model !== undefined) options.model = request.model;
    if (request.resumeSdkSessionId !== null) options.resume = request.resumeSdkSessionId;

    input.push(userMessage(request.prompt));
    const sdkQuery = query({ prompt: input, options });
    const mapper = new EventMapper(request.cwd, request.costBaselineUsd);

    async function* outputs(): AsyncGenerator<AgentOutput> {
      try {
        for await (const message of sdkQuery) {
          for (const output of mapper.map(message)) {
            yield output;
            // One prompt per run: once it has its result, end the input so the CLI exits.
            if (output.kind === 'result') input.close();
          }
        }
      } finally {
        input.close();
      }
    }

    return {
      outputs: outputs(),
      interrupt: async () => {
        await sdkQuery.interrupt();
      },
      abort: () => abortController.abort(),
      stderrTail: () => stderrLines.join('\n'),
      pid: () => pid,
    };
  }
}

function userMessage(text: string): SDKUserMessage {
  return { type: 'user', message: { role: 'user', content: text }, parent_tool_use_id: null };
}

/** An async iterable the SDK reads prompts from; it ends when closed. */
class PromptChannel implements AsyncIterable<SDKUserMessage> {
  private readonly pending: SDKUserMessage[] = [];
  private closed = false;
  private wake: (() => void) | null = null;

  push(message: SDKUserMessage): void {
    this.pending.push(message);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SDKUserMessage> {
    for (;;) {
      const next = this.pending.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }
}
