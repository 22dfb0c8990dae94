import { blockText, isRecord, type MessagesRequest, type WireBlock, type WireMessage } from './wire.js';

export interface ToolResult {
  readonly toolUseId: string;
  /** Name of the tool_use this answers, when the matching assistant block is in the request. */
  readonly toolName: string | undefined;
  /** Text of the result (text blocks joined); the CLI puts tool errors here too. */
  readonly content: string;
  readonly isError: boolean;
}

/** What a script step sees: the raw request history plus the facts scripts usually need. */
export interface Conversation {
  /** The request's full `messages` array, unchanged (includes resumed history). */
  readonly messages: readonly WireMessage[];
  /** Text of the latest prompt, with `<system-reminder>` blocks removed. '' if none. */
  readonly prompt: string;
  /** Index in `messages` of the message holding that prompt, -1 if there is none. */
  readonly promptIndex: number;
  /** Assistant messages since the prompt: which step of the script answers this request. */
  readonly turn: number;
  /** Prompts before the latest one, oldest first: what a resumed session carries over. */
  readonly earlierPrompts: readonly string[];
  /** Tool results since the latest prompt, in order. */
  readonly toolResults: readonly ToolResult[];
  /** The CLI's working directory, read from its `Primary working directory:` line. */
  readonly cwd: string | undefined;
}

// The CLI prepends reminders to the user's own text; they are not what the user typed.
const SYSTEM_REMINDER = /<system-reminder>[\s\S]*?<\/system-reminder>/g;

/**
 * A prompt is user-typed text. A user message carrying tool_result blocks is the CLI reporting
 * tool output (even if it also folds in reminder text), so it continues the current turn.
 * Each text block counts as its own prompt because the CLI merges consecutive user messages:
 * after a turn that failed with an API error, the failed prompt and the next one arrive as two
 * text blocks of a single message, and only the last is the prompt being answered.
 */
export function promptTextsOf(message: WireMessage): string[] {
  if (message.role !== 'user') return [];
  const texts = (blocks: readonly WireBlock[]) => blocks.map((b) => blockText(b).replace(SYSTEM_REMINDER, '').trim()).filter((t) => t !== '');
  const lastResult = message.content.map((b) => b.type).lastIndexOf('tool_result');
  if (lastResult === -1) return texts(message.content);
  // A task stopped after its tools ran (interrupted, or cut at its turn limit) leaves the tool
  // results last in the conversation, and the CLI folds the next prompt into that same message,
  // after them and after its own interruption marker.
  return texts(message.content.slice(lastResult + 1)).filter((t) => !INTERRUPTION_MARKER.test(t));
}

const INTERRUPTION_MARKER = /^\[Request interrupted by user[^\]]*\]$/;

function toolResultText(block: WireBlock): string {
  const { content } = block;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((c) => (isRecord(c) && c.type === 'text' && typeof c.text === 'string' ? c.text : '')).join('\n');
}

function collectToolResults(messages: readonly WireMessage[]): ToolResult[] {
  const names = new Map<string, string>();
  const results: ToolResult[] = [];
  for (const message of messages) {
    for (const block of message.content) {
      if (block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
        names.set(block.id, block.name);
      } else if (block.type === 'tool_result' && typeof block.tool_use_id === 'string') {
        results.push({
          toolUseId: block.tool_use_id,
          toolName: names.get(block.tool_use_id),
          content: toolResultText(block),
          isError: block.is_error === true,
        });
      }
    }
  }
  return results;
}

function findCwd(request: MessagesRequest): string | undefined {
  // Older CLIs put the environment in `system`; 2.1.x sends it as a role:'system' message.
  const texts = [request.systemText, ...request.messages.flatMap((m) => m.content.map(blockText))];
  let cwd: string | undefined;
  for (const text of texts) {
    for (const match of text.matchAll(/Primary working directory:\s*(\S[^\n]*)/g)) cwd = match[1]?.trim();
  }
  return cwd;
}

export function readConversation(request: MessagesRequest): Conversation {
  const { messages } = request;
  let promptIndex = -1;
  const prompts: string[] = [];
  messages.forEach((message, i) => {
    const texts = promptTextsOf(message);
    if (texts.length > 0) {
      promptIndex = i;
      prompts.push(...texts);
    }
  });
  const since = messages.slice(promptIndex + 1);
  return {
    messages,
    prompt: prompts.at(-1) ?? '',
    promptIndex,
    turn: since.filter((m) => m.role === 'assistant').length,
    earlierPrompts: prompts.slice(0, -1),
    toolResults: collectToolResults(since),
    cwd: findCwd(request),
  };
}

/** Resolves a path against the CLI's working directory, because Write/Read/Edit need absolute paths. */
export function inCwd(conversation: Conversation, path: string): string {
  if (path.startsWith('/') || conversation.cwd === undefined) return path;
  return `${conversation.cwd.replace(/\/+$/, '')}/${path}`;
}
