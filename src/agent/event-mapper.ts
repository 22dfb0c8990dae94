import path from 'node:path';
import { isInside } from '../lib/paths.js';
import type { SDKMessage } from './sdk.js';
import type { EventDraft, ProgressData } from '../events/event-types.js';
import type { AgentOutput, AgentResult, TranscriptTail } from './agent-types.js';

const FILE_WRITING_TOOLS = new Set(['Write', 'Edit', 'MultiEdit', 'NotebookEdit']);

interface ContentBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
}

/**
 * Turns the SDK's message stream into our six event types. Stateful because `progress` is
 * cumulative: an assistant message may arrive in several parts sharing one message id.
 */
export class EventMapper {
  private readonly usageByMessageId = new Map<string, { input: number; output: number }>();
  private readonly toolNames = new Map<string, { name: string; filePath: string | null }>();
  private readonly filesChanged = new Set<string>();
  private costUsd = 0;
  /** The newest main-thread message of this turn, as the transcript stores it. */
  private tail: TranscriptTail | null = null;

  constructor(
    private readonly cwd: string,
    private readonly costBaselineUsd = 0,
  ) {}

  map(message: SDKMessage): AgentOutput[] {
    this.noteTail(message);
    switch (message.type) {
      case 'system':
        return message.subtype === 'init' ? [{ kind: 'started', sdkSessionId: message.session_id }] : [];
      case 'assistant':
        // A synthetic assistant message that carries an API error is reported by the error event instead.
        if (message.error !== undefined) return [];
        return this.mapAssistant(message.message.id, message.message.content as ContentBlock[], message.message.usage, message.parent_tool_use_id);
      case 'user':
        return this.mapUser(message.message.content, message.parent_tool_use_id);
      case 'result':
        return this.mapResult(message);
      default:
        return [];
    }
  }

  /**
   * Assistant and user messages are written to the transcript under the uuid they are streamed
   * with; a subagent's (parent_tool_use_id set) go to a transcript of their own.
   */
  private noteTail(message: SDKMessage): void {
    if (message.type !== 'assistant' && message.type !== 'user') return;
    if (message.parent_tool_use_id !== null || typeof message.uuid !== 'string' || typeof message.session_id !== 'string') return;
    if ('isReplay' in message && message.isReplay === true) return;
    this.tail = { sdkSessionId: message.session_id, messageUuid: message.uuid };
  }

  progress(): ProgressData {
    let input = 0;
    let output = 0;
    for (const usage of this.usageByMessageId.values()) {
      input += usage.input;
      output += usage.output;
    }
    return {
      turns: this.usageByMessageId.size,
      input_tokens: input,
      output_tokens: output,
      cost_usd: this.costUsd,
      files_changed: [...this.filesChanged],
    };
  }

  private mapAssistant(
    messageId: string,
    content: ContentBlock[],
    usage:
      | { input_tokens?: number | null; output_tokens?: number | null; cache_read_input_tokens?: number | null; cache_creation_input_tokens?: number | null }
      | null
      | undefined,
    parentToolUseId: string | null,
  ): AgentOutput[] {
    // Sub-agent chatter is part of its parent's tool call; the parent's tool_result reports it.
    if (parentToolUseId !== null) return [];
    if (usage) {
      this.usageByMessageId.set(messageId, {
        input: (usage.input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0),
        output: usage.output_tokens ?? 0,
      });
    }
    const events: EventDraft[] = [];
    for (const block of content) {
      if (block.type === 'text' && block.text) {
        events.push({ type: 'message', data: { role: 'assistant', text: block.text } });
      } else if (block.type === 'tool_use' && block.id && block.name) {
        this.toolNames.set(block.id, { name: block.name, filePath: filePathOf(block.name, block.input) });
        events.push({ type: 'tool_use', data: { tool_use_id: block.id, name: block.name, input: block.input ?? {} } });
      }
    }
    return events.map((event) => ({ kind: 'event', event }));
  }

  private mapUser(content: unknown, parentToolUseId: string | null): AgentOutput[] {
    if (parentToolUseId !== null || !Array.isArray(content)) return [];
    const events: EventDraft[] = [];
    for (const block of content as ContentBlock[]) {
      if (block.type !== 'tool_result' || !block.tool_use_id) continue;
      const isError = block.is_error === true;
      const tool = this.toolNames.get(block.tool_use_id);
      if (tool?.filePath && !isError) this.filesChanged.add(relativeToWorkspace(this.cwd, tool.filePath));
      events.push({ type: 'tool_result', data: { tool_use_id: block.tool_use_id, content: stringifyToolContent(block.content), is_error: isError } });
    }
    if (events.length > 0) events.push({ type: 'progress', data: this.progress() });
    return events.map((event) => ({ kind: 'event', event }));
  }

  private mapResult(message: Extract<SDKMessage, { type: 'result' }>): AgentOutput[] {
    const total = message.total_cost_usd ?? 0;
    // A total below the baseline means the SDK did not carry the conversation's total over.
    this.costUsd = total >= this.costBaselineUsd ? total - this.costBaselineUsd : total;
    const isError = message.is_error || message.subtype !== 'success';
    const usage = message.usage;
    const streamed = this.progress();
    const result: AgentResult = {
      isError,
      subtype: message.subtype,
      text: message.subtype === 'success' && !isError ? message.result : null,
      errors: message.subtype === 'success' ? (message.is_error ? [message.result] : []) : message.errors,
      apiErrorStatus: message.subtype === 'success' ? (message.api_error_status ?? null) : null,
      usage: {
        input_tokens: Math.max(
          (usage.input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0),
          streamed.input_tokens,
        ),
        output_tokens: Math.max(usage.output_tokens ?? 0, streamed.output_tokens),
      },
      numTurns: message.num_turns,
      costUsd: this.costUsd,
      sdkTotalCostUsd: total,
      durationMs: message.duration_ms,
    };
    if (message.subtype === 'success' && message.structured_output !== undefined) result.structuredOutput = message.structured_output;
    result.transcriptTail = this.tail;
    const progress: ProgressData = { ...streamed, turns: result.numTurns, input_tokens: result.usage.input_tokens, output_tokens: result.usage.output_tokens };
    return [
      { kind: 'event', event: { type: 'progress', data: progress } },
      { kind: 'result', result },
    ];
  }
}

function filePathOf(toolName: string, input: unknown): string | null {
  if (!FILE_WRITING_TOOLS.has(toolName) || typeof input !== 'object' || input === null) return null;
  const record = input as Record<string, unknown>;
  const filePath = record.file_path ?? record.notebook_path;
  return typeof filePath === 'string' ? filePath : null;
}

/** Paths inside the workspace are reported relative to it; anything else stays absolute. */
function relativeToWorkspace(cwd: string, filePath: string): string {
  const absolute = path.resolve(cwd, filePath);
  return isInside(absolute, cwd) ? path.relative(cwd, absolute) : filePath;
}

function stringifyToolContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        if (typeof part === 'object' && part !== null && (part as ContentBlock).type === 'text') return (part as ContentBlock).text ?? '';
        return JSON.stringify(part);
      })
      .join('\n');
  }
  return content === undefined || content === null ? '' : JSON.stringify(content);
}
