/**
 * The subset of the Anthropic Messages API wire format the scripted model reads and writes.
 * Request bodies arrive as untrusted JSON, so they are narrowed here with type guards rather
 * than trusted by assertion; anything this model does not understand stays `unknown`.
 */

export interface WireBlock {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface WireMessage {
  /** 'user' | 'assistant', and the CLI also sends mid-conversation 'system' messages. */
  readonly role: string;
  readonly content: readonly WireBlock[];
}

export interface MessagesRequest {
  readonly model: string;
  readonly messages: readonly WireMessage[];
  /** Flattened text of the top-level `system` field (string or text blocks). */
  readonly systemText: string;
  /** Undefined when the body has no `tools` field at all. */
  readonly toolNames: readonly string[] | undefined;
  readonly stream: boolean;
  /** `output_config.format.schema` when the caller asked for structured JSON output. */
  readonly jsonSchema: unknown;
}

export type OutBlock =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly input: Record<string, unknown> };

export type StopReason = 'end_turn' | 'tool_use';

export interface Usage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_creation_input_tokens: number;
  readonly cache_read_input_tokens: number;
}

export interface OutMessage {
  readonly id: string;
  readonly type: 'message';
  readonly role: 'assistant';
  readonly model: string;
  readonly content: readonly OutBlock[];
  readonly stop_reason: StopReason;
  readonly stop_sequence: null;
  readonly usage: Usage;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toBlocks(content: unknown): WireBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  const blocks: WireBlock[] = [];
  for (const item of content) {
    if (isRecord(item) && typeof item.type === 'string') blocks.push({ ...item, type: item.type });
  }
  return blocks;
}

export function blockText(block: WireBlock): string {
  return block.type === 'text' && typeof block.text === 'string' ? block.text : '';
}

function systemToText(system: unknown): string {
  return toBlocks(system).map(blockText).join('\n');
}

/** Returns the parsed request, or a message explaining why it is not a Messages API body. */
export function parseMessagesRequest(body: unknown): MessagesRequest | string {
  if (!isRecord(body)) return 'request body must be a JSON object';
  if (typeof body.model !== 'string') return 'model: field required';
  if (!Array.isArray(body.messages)) return 'messages: field required';
  const messages: WireMessage[] = [];
  for (const [i, m] of body.messages.entries()) {
    if (!isRecord(m) || typeof m.role !== 'string') return `messages.${i}: expected an object with a role`;
    messages.push({ role: m.role, content: toBlocks(m.content) });
  }
  const toolNames = Array.isArray(body.tools) ? body.tools.flatMap((t) => (isRecord(t) && typeof t.name === 'string' ? [t.name] : [])) : undefined;
  const outputConfig = isRecord(body.output_config) ? body.output_config : {};
  const format = isRecord(outputConfig.format) ? outputConfig.format : {};
  return {
    model: body.model,
    messages,
    systemText: systemToText(body.system),
    toolNames,
    stream: body.stream === true,
    jsonSchema: format.type === 'json_schema' ? format.schema : undefined,
  };
}

/** Anthropic-style error body, the shape the SDK's APIError parser expects. */
export function errorBody(type: string, message: string, requestId: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId });
}
