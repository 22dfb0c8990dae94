import { randomBytes } from 'node:crypto';
import type { Conversation } from './conversation.js';
import type { ScriptedError, Step } from './scripts.js';
import { isRecord, type MessagesRequest, type OutBlock, type OutMessage } from './wire.js';

export type Reply =
  | { readonly kind: 'message'; readonly message: OutMessage; readonly delayMs: number }
  | { readonly kind: 'error'; readonly error: ScriptedError; readonly delayMs: number };

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Anthropic-looking ids (`msg_…`, `toolu_…`); the CLI stores them but never parses them. */
export function newId(prefix: string): string {
  return prefix + Array.from(randomBytes(24), (b) => ID_CHARS[b % ID_CHARS.length]).join('');
}

/** ~4 characters per token: close enough for the SDK's token and cost reporting to look real. */
export function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

function message(model: string, content: OutBlock[], inputChars: number): OutMessage {
  const hasTool = content.some((b) => b.type === 'tool_use');
  return {
    id: newId('msg_'),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: hasTool ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: estimateTokens(inputChars),
      output_tokens: estimateTokens(JSON.stringify(content).length),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}

/** `inputChars` is the raw request body's length, the basis of the input token estimate. */
export function replyForStep(step: Step, conversation: Conversation, model: string, inputChars: number): Reply {
  const delayMs = step.delay_ms ?? 0;
  if (step.error !== undefined) return { kind: 'error', error: step.error, delayMs };
  const content: OutBlock[] = [];
  const tool = step.tool ?? step.tool_fn?.(conversation);
  const text = step.text_fn?.(conversation) ?? step.text;
  // The API always puts text before tool_use in one assistant message; the CLI expects that.
  if (text !== undefined && text !== '') content.push({ type: 'text', text });
  if (tool !== undefined) content.push({ type: 'tool_use', id: newId('toolu_'), name: tool.name, input: tool.input });
  if (content.length === 0) content.push({ type: 'text', text: '(empty scripted reply)' });
  return { kind: 'message', message: message(model, content, inputChars), delayMs };
}

/** A value that satisfies simple JSON schemas such as the CLI's `{title: string}`. */
function sampleFor(schema: unknown, key: string): unknown {
  if (!isRecord(schema)) return null;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  switch (schema.type) {
    case 'object': {
      const props = isRecord(schema.properties) ? schema.properties : {};
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, sampleFor(v, k)]));
    }
    case 'array':
      return [];
    case 'string':
      return key === 'title' ? 'Scripted model session' : `scripted ${key}`.trim();
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

/**
 * Side requests (session titles, summaries, classifiers) come without tools and must not
 * consume a script step, so they get a fixed short answer, shaped as JSON when asked for.
 */
export function sideReply(request: MessagesRequest, inputChars: number): Reply {
  const text = request.jsonSchema !== undefined ? JSON.stringify(sampleFor(request.jsonSchema, '')) : 'OK.';
  return { kind: 'message', message: message(request.model, [{ type: 'text', text }], inputChars), delayMs: 0 };
}
