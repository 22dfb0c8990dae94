import type { Conversation } from './conversation.js';
import { directive } from './directives.js';
import { parseStatuses, type Fault } from './faults.js';
import { isRecord } from './wire.js';

export interface ToolCall {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

export interface ScriptedError {
  /** HTTP status of the response. */
  readonly status: number;
  /** Anthropic error type, e.g. 'invalid_request_error', 'authentication_error', 'overloaded_error'. */
  readonly type: string;
  readonly message: string;
  /**
   * Lets the CLI retry the error with its back-off. False by default: the response then carries
   * `x-should-retry: false`, which makes the CLI give up on the first 401/429/5xx instead of
   * retrying for minutes (see server.ts for what the CLI does with each status).
   */
  readonly retryable?: boolean;
}

// The `?: never` members make TypeScript reject a step that mixes two kinds of reply.
type TextStep = { readonly text: string; readonly tool?: never; readonly tool_fn?: never; readonly text_fn?: never; readonly error?: never };
type ToolStep = { readonly tool: ToolCall; readonly text?: string; readonly tool_fn?: never; readonly text_fn?: never; readonly error?: never };
type ErrorStep = { readonly error: ScriptedError; readonly text?: never; readonly tool?: never; readonly tool_fn?: never; readonly text_fn?: never };
type TextFnStep = {
  readonly text_fn: (conversation: Conversation) => string;
  readonly text?: never;
  readonly tool?: never;
  readonly tool_fn?: never;
  readonly error?: never;
};
/** A tool call computed from the conversation, e.g. a command taken from the prompt. */
type ToolFnStep = {
  readonly tool_fn: (conversation: Conversation) => ToolCall;
  readonly text?: string;
  readonly tool?: never;
  readonly text_fn?: never;
  readonly error?: never;
};

/**
 * `delay_ms` holds the reply back; a streamed reply sends message_start and pings meanwhile.
 * `fault` stages a failure of the model itself before (or instead of) the reply: see faults.ts.
 */
export type Step = (TextStep | ToolStep | ErrorStep | TextFnStep | ToolFnStep) & { readonly delay_ms?: number; readonly fault?: Fault };

/**
 * One task's replies: step i answers the i-th model call after the prompt. `steps` may be a
 * function of the conversation for scripts whose shape depends on the prompt.
 */
export interface Script {
  readonly description?: string;
  readonly steps: readonly Step[] | ((conversation: Conversation) => readonly Step[]);
}

/** What the model says once a script has no steps left. */
export const FINAL_STEP: Step = { text: 'Done.' };

function validateFault(raw: unknown, where: string): Fault | string {
  if (!isRecord(raw)) return `${where}: must be an object`;
  if (raw.stream !== undefined) {
    if (raw.stream === 'silent' || raw.stream === 'drop' || raw.stream === 'malformed') return { stream: raw.stream };
    return `${where}.stream: must be silent, drop or malformed`;
  }
  if (!Array.isArray(raw.statuses)) return `${where}: needs statuses (array) or stream`;
  const retryAfter = raw.retry_after === undefined ? undefined : String(raw.retry_after);
  const parsed = parseStatuses(raw.statuses.map(String).join(',') + (raw.repeat_last === true ? '+' : ''), retryAfter);
  return typeof parsed === 'string' ? `${where}.${parsed}` : parsed;
}

function validateStep(raw: unknown, where: string): Step | string {
  if (!isRecord(raw)) return `${where}: a step must be an object`;
  if (raw.fault !== undefined) {
    const fault = validateFault(raw.fault, `${where}.fault`);
    if (typeof fault === 'string') return fault;
    const rest = validateStep({ text: 'Recovered.', ...raw, fault: undefined }, where);
    return typeof rest === 'string' ? rest : { ...rest, fault };
  }
  const delay = raw.delay_ms;
  if (delay !== undefined && (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0)) {
    return `${where}.delay_ms: must be a non-negative number`;
  }
  const delayPart = delay === undefined ? {} : { delay_ms: delay };
  if (raw.error !== undefined) {
    const e = raw.error;
    if (!isRecord(e) || typeof e.status !== 'number' || typeof e.type !== 'string' || typeof e.message !== 'string') {
      return `${where}.error: needs {status: number, type: string, message: string}`;
    }
    const retryable = e.retryable === true ? { retryable: true } : {};
    return { error: { status: e.status, type: e.type, message: e.message, ...retryable }, ...delayPart };
  }
  const text = raw.text;
  if (text !== undefined && typeof text !== 'string') return `${where}.text: must be a string`;
  if (raw.tool !== undefined) {
    const t = raw.tool;
    if (!isRecord(t) || typeof t.name !== 'string' || !isRecord(t.input)) {
      return `${where}.tool: needs {name: string, input: object}`;
    }
    const tool: ToolCall = { name: t.name, input: t.input };
    return text === undefined ? { tool, ...delayPart } : { tool, text, ...delayPart };
  }
  if (text !== undefined) return { text, ...delayPart };
  return `${where}: needs one of text, tool or error (text_fn/tool_fn exist only in code)`;
}

/** Validates an inline `{"steps": [...]}` script; returns an error message when invalid. */
export function parseInlineScript(json: string): Script | string {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    return `inline script is not valid JSON: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (!isRecord(raw) || !Array.isArray(raw.steps)) return 'inline script must be {"steps": [...]}';
  const steps: Step[] = [];
  for (const [i, s] of raw.steps.entries()) {
    const step = validateStep(s, `steps.${i}`);
    if (typeof step === 'string') return `inline script: ${step}`;
    steps.push(step);
  }
  return { steps };
}

export type Selection = { readonly ok: true; readonly name: string; readonly script: Script } | { readonly ok: false; readonly message: string };

/**
 * Only the latest prompt chooses: a follow-up prompt without a directive gets the default
 * script rather than silently re-running the previous prompt's script from its first step.
 */
export function selectScript(conversation: Conversation, scripts: Readonly<Record<string, Script>>, defaultName: string): Selection {
  const value = directive(conversation.prompt, 'script')?.trim();
  if (value === undefined) {
    const script = scripts[defaultName];
    if (script === undefined) return { ok: false, message: `default script "${defaultName}" is not registered` };
    return { ok: true, name: defaultName, script };
  }
  if (value.startsWith('{')) {
    const script = parseInlineScript(value);
    return typeof script === 'string' ? { ok: false, message: script } : { ok: true, name: 'inline', script };
  }
  const script = Object.hasOwn(scripts, value) ? scripts[value] : undefined;
  if (script === undefined) {
    return { ok: false, message: `unknown script "${value}"; known: ${Object.keys(scripts).sort().join(', ')}` };
  }
  return { ok: true, name: value, script };
}

export function stepForTurn(script: Script, conversation: Conversation): Step {
  const steps = typeof script.steps === 'function' ? script.steps(conversation) : script.steps;
  return steps[conversation.turn] ?? FINAL_STEP;
}
