import type { SDKMessage } from './sdk.js';

/** What to do with one message of a turn-limited run. */
export type TurnLimitVerdict =
  /** Hand the message on. */
  | 'pass'
  /** Hand it on, then stop the run: the limit is reached and the CLI would call the model again. */
  | 'pass-then-stop'
  /** Drop it: it belongs to a model turn past the limit. */
  | 'drop';

interface Block {
  type: string;
  id?: string;
  tool_use_id?: string;
}

/**
 * `max_turns`, enforced by the server so that one agent process can serve tasks with any limit.
 * It reproduces the CLI's own rule: a turn is one model response on the main thread (sub-agents
 * do not count); the tools of the last allowed turn still run, and the run stops before the model
 * is asked again, ending as `error_max_turns` with `num_turns` one past the limit.
 */
export class TurnLimit {
  private readonly turnIds = new Set<string>();
  /** Tool calls of the last allowed turn that have not reported back yet. */
  private readonly openToolUses = new Set<string>();
  private stopped = false;

  constructor(readonly maxTurns: number) {}

  get reached(): boolean {
    return this.stopped;
  }

  observe(message: SDKMessage): TurnLimitVerdict {
    if (message.type === 'result') return 'pass';
    if (this.stopped) return 'drop';
    if (message.type === 'assistant' && message.parent_tool_use_id === null && message.error === undefined) {
      const id = message.message.id;
      if (!this.turnIds.has(id)) {
        if (this.turnIds.size >= this.maxTurns) {
          // The CLI asked the model once more before the stop landed; that turn never happened.
          this.stopped = true;
          return 'drop';
        }
        this.turnIds.add(id);
      }
      if (this.turnIds.size === this.maxTurns) {
        for (const block of message.message.content as Block[]) if (block.type === 'tool_use' && block.id) this.openToolUses.add(block.id);
      }
      return 'pass';
    }
    if (message.type === 'user' && message.parent_tool_use_id === null && this.turnIds.size === this.maxTurns && this.openToolUses.size > 0) {
      const content = message.message.content;
      if (Array.isArray(content)) {
        for (const block of content as Block[]) if (block.type === 'tool_result' && block.tool_use_id) this.openToolUses.delete(block.tool_use_id);
      }
      if (this.openToolUses.size === 0) {
        this.stopped = true;
        return 'pass-then-stop';
      }
    }
    return 'pass';
  }

  /** The run's result as the CLI's own limit reports it. Called only once the limit was reached. */
  asMaxTurnsResult(result: Extract<SDKMessage, { type: 'result' }>): Extract<SDKMessage, { type: 'result' }> {
    const { result: _text, ...rest } = result as Extract<SDKMessage, { type: 'result'; subtype: 'success' }>;
    void _text;
    return {
      ...rest,
      subtype: 'error_max_turns',
      is_error: true,
      num_turns: this.maxTurns + 1,
      errors: [`Reached maximum number of turns (${this.maxTurns})`],
    } as Extract<SDKMessage, { type: 'result' }>;
  }
}
