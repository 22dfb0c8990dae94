import { inCwd, type Conversation } from './conversation.js';
import { directive, withoutDirectives } from './directives.js';
import { parseStatuses } from './faults.js';
import type { Script, Step, ToolCall } from './scripts.js';

export const DEFAULT_SCRIPT = 'demo';

export const HELLO_FILE = 'hello.txt';
export const HELLO_CONTENT = 'hello from the scripted model';
export const MULTI_FILE = 'multi.txt';
export const MULTI_CONTENT = 'written by multi-tool\n';
export const DEMO_CONTENT = 'Created by the scripted model.\n';

function lastResult(c: Conversation): string {
  const result = c.toolResults.at(-1);
  if (result === undefined) return '(no tool result)';
  return result.isError ? `(tool error) ${result.content}` : result.content;
}

/** `[[file:path]]` from the prompt, resolved against the CLI's cwd. */
function fileArg(c: Conversation, fallback: string): string {
  return inCwd(c, directive(c.prompt, 'file')?.trim() || fallback);
}

/** The `[[input:JSON]]` of a prompt; a value that is not a JSON object is passed as `{ value }`. */
function jsonInput(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // not JSON: passed as a plain value
  }
  return { value: text };
}

/** Captures what follows `remember` up to the end of the sentence or line. */
const REMEMBER = /\bremember\s+(?:that\s+)?([^\n.!?]+)/i;

function rememberedIn(text: string): string | undefined {
  return REMEMBER.exec(withoutDirectives(text))?.[1]?.trim();
}

function bash(command: string, description: string): ToolCall {
  return { name: 'Bash', input: { command, description } };
}

/** Matches "create foo.txt", "create a file named foo.txt", ... */
const CREATE = /\bcreate\s+(?:(?:a|the)\s+)?(?:file\s+)?(?:(?:called|named)\s+)?([^\s'"`]+)/i;

function demoTarget(c: Conversation): string | undefined {
  return CREATE.exec(withoutDirectives(c.prompt))?.[1]?.replace(/[,;:]+$/, '');
}

export const RECOVERED_TEXT = 'Recovered after the model failure.';

/** `[[statuses:529,529,529]]` and `[[retry-after:N]]` from the prompt, as one faulty step. */
function statusSequence(c: Conversation): readonly Step[] {
  const fault = parseStatuses(directive(c.prompt, 'statuses') ?? '529,529,529', directive(c.prompt, 'retry-after'));
  if (typeof fault === 'string') return [{ error: { status: 400, type: 'invalid_request_error', message: `scripted model: ${fault}` } }];
  return [{ text: RECOVERED_TEXT, fault }];
}

export const BUILTIN_SCRIPTS: Readonly<Record<string, Script>> = {
  demo: {
    description: 'Without a directive: "create <file>" writes that file; anything else is echoed.',
    steps: (c) => {
      const target = demoTarget(c);
      if (target === undefined) return [{ text: `Scripted reply to: ${withoutDirectives(c.prompt).slice(0, 80)}` }];
      return [
        { tool: { name: 'Write', input: { file_path: inCwd(c, target), content: DEMO_CONTENT } } },
        { text_fn: (after) => `Created ${target}. ${lastResult(after)}` },
      ];
    },
  },
  'write-file': {
    description: `Writes ${HELLO_FILE} with "${HELLO_CONTENT}".`,
    steps: [{ tool_fn: (c) => ({ name: 'Write', input: { file_path: inCwd(c, HELLO_FILE), content: HELLO_CONTENT } }) }, { text: `I wrote ${HELLO_FILE}.` }],
  },
  'read-file': {
    description: `Reads [[file:PATH]] (default ${HELLO_FILE}) and quotes it.`,
    steps: [{ tool_fn: (c) => ({ name: 'Read', input: { file_path: fileArg(c, HELLO_FILE) } }) }, { text_fn: (c) => `The file contains:\n${lastResult(c)}` }],
  },
  'edit-file': {
    description: `Reads then edits [[file:PATH]] (default ${HELLO_FILE}), replacing [[old:...]] with [[new:...]].`,
    steps: [
      // The CLI's Edit refuses a file that was not Read earlier in the same session.
      { tool_fn: (c) => ({ name: 'Read', input: { file_path: fileArg(c, HELLO_FILE) } }) },
      {
        tool_fn: (c) => ({
          name: 'Edit',
          input: {
            file_path: fileArg(c, HELLO_FILE),
            old_string: directive(c.prompt, 'old') ?? 'hello',
            new_string: directive(c.prompt, 'new') ?? 'goodbye',
          },
        }),
      },
      { text_fn: (c) => `Edit result: ${lastResult(c)}` },
    ],
  },
  bash: {
    description: 'Runs [[cmd:COMMAND]] with Bash and quotes its output.',
    steps: [
      { tool_fn: (c) => bash(directive(c.prompt, 'cmd') ?? 'echo hello from bash', 'Run the requested command') },
      { text_fn: (c) => `Command output:\n${lastResult(c)}` },
    ],
  },
  'call-tool': {
    description: 'Calls the tool [[tool:NAME]] (an MCP tool: mcp__SERVER__TOOL) with the input [[input:JSON]] (default {}) and quotes its result.',
    steps: [
      { tool_fn: (c) => ({ name: directive(c.prompt, 'tool') ?? 'Unnamed', input: jsonInput(directive(c.prompt, 'input')) }) },
      { text_fn: (c) => `Tool result:\n${lastResult(c)}` },
    ],
  },
  'multi-tool': {
    description: `Writes ${MULTI_FILE}, cats it with Bash, then quotes the output.`,
    steps: [
      {
        text: `Let me write ${MULTI_FILE}.`,
        tool_fn: (c) => ({ name: 'Write', input: { file_path: inCwd(c, MULTI_FILE), content: MULTI_CONTENT } }),
      },
      { tool_fn: (c) => bash(`cat '${inCwd(c, MULTI_FILE)}'`, 'Show the file') },
      { text_fn: (c) => `The file says: ${lastResult(c)}` },
    ],
  },
  slow: {
    description: 'Answers after 30 s, for interrupt and timeout tests.',
    steps: [{ delay_ms: 30_000, text: 'Sorry for the wait.' }],
  },
  'api-error': {
    description: 'Fails with a 400 invalid_request_error.',
    steps: [{ error: { status: 400, type: 'invalid_request_error', message: 'Scripted invalid request' } }],
  },
  'auth-error': {
    description: 'Fails with a 401 authentication_error.',
    steps: [{ error: { status: 401, type: 'authentication_error', message: 'Scripted invalid x-api-key' } }],
  },
  'status-sequence': {
    description:
      'Answers [[statuses:529,529,529]] (default) to the first attempts, then recovers; "500+" repeats for ever, "reset" drops the connection; [[retry-after:N]] adds that header.',
    steps: statusSequence,
  },
  'overloaded-then-ok': {
    description: 'Answers 529 three times in a row, then recovers.',
    steps: [{ text: RECOVERED_TEXT, fault: { statuses: [529, 529, 529] } }],
  },
  overloaded: {
    description: 'Answers 529 to every attempt.',
    steps: [{ text: RECOVERED_TEXT, fault: { statuses: [529], repeat_last: true } }],
  },
  'server-error': {
    description: 'Answers 500 to every attempt.',
    steps: [{ text: RECOVERED_TEXT, fault: { statuses: [500], repeat_last: true } }],
  },
  'rate-limited-then-ok': {
    description: 'Answers 429 with retry-after: 1 once, then recovers.',
    steps: [{ text: RECOVERED_TEXT, fault: { statuses: [429], retry_after: '1' } }],
  },
  'reset-then-ok': {
    description: 'Drops the connection before answering, twice, then recovers.',
    steps: [{ text: RECOVERED_TEXT, fault: { statuses: ['reset', 'reset'] } }],
  },
  'silent-stream': {
    description: 'Sends 200 and stream headers, then nothing until the client hangs up.',
    steps: [{ text: RECOVERED_TEXT, fault: { stream: 'silent' } }],
  },
  'dropped-stream': {
    description: 'Starts the streamed message, then drops the connection.',
    steps: [{ text: RECOVERED_TEXT, fault: { stream: 'drop' } }],
  },
  'malformed-stream': {
    description: 'Sends a stream whose events are not JSON, then ends it.',
    steps: [{ text: RECOVERED_TEXT, fault: { stream: 'malformed' } }],
  },
  remember: {
    description: 'Acknowledges "remember <X>" from the prompt.',
    steps: [{ text_fn: (c) => `OK, I will remember ${rememberedIn(c.prompt) ?? 'nothing in particular'}` }],
  },
  recall: {
    description: 'Finds "remember <X>" in EARLIER prompts, proving a resumed session sends its history.',
    steps: [
      {
        text_fn: (c) => {
          const found = c.earlierPrompts
            .map(rememberedIn)
            .filter((x) => x !== undefined)
            .at(-1);
          if (found !== undefined) return `You told me to remember ${found}`;
          return `You never told me to remember anything (${c.earlierPrompts.length} earlier prompts).`;
        },
      },
    ],
  },
};
