/**
 * A scripted stand-in for the Anthropic Messages API, so the real Claude Code CLI runs real
 * tools offline. Point the CLI at it with ANTHROPIC_BASE_URL=<url> and any ANTHROPIC_API_KEY.
 *
 * A prompt picks its script with directives (only the latest prompt counts):
 *   [[script:NAME]]               a built-in (see BUILTIN_SCRIPTS) or one passed in `scripts`
 *   [[script:{"steps":[...]}]]    an inline script of text / tool / error / delay_ms steps
 *   [[cmd:...]] [[file:...]] [[old:...]] [[new:...]]   arguments some built-ins read
 *   [[script:status-sequence]] [[statuses:529,529,reset]] [[retry-after:2]]   staged model failures;
 *   also overloaded-then-ok, overloaded, server-error, silent-stream, dropped-stream, ... (faults.ts)
 * Without a directive the 'demo' script answers. Replies depend only on the request body, so
 * the model is stateless: CLI retries and resumed sessions see the same step for the same turn.
 * The one exception is a step's `fault`, which counts arrivals of the same body so that a retry
 * can get a different answer (e.g. 529 three times, then the reply).
 */
export { startScriptedModel, type ScriptedModel, type ScriptedModelOptions } from './server.js';
export type { Script, Step, ToolCall, ScriptedError } from './scripts.js';
export type { Fault } from './faults.js';
export type { Conversation, ToolResult } from './conversation.js';
export type { RecordedRequest, HeadersSummary, HttpLogEntry, RequestKind } from './recording.js';
export { BUILTIN_SCRIPTS, DEFAULT_SCRIPT, HELLO_CONTENT, HELLO_FILE, MULTI_CONTENT, MULTI_FILE, RECOVERED_TEXT } from './builtin-scripts.js';
