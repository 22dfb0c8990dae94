import type { IncomingMessage, ServerResponse } from 'node:http';
import { readConversation } from './conversation.js';
import { faultOutcome, sendFault, type AttemptCounter } from './faults.js';
import { summarizeHeaders, type RecordedRequest, type RequestKind } from './recording.js';
import { estimateTokens, newId, replyForStep, sideReply, type Reply } from './reply.js';
import { selectScript, stepForTurn, type Script, type ScriptedError } from './scripts.js';
import { sleep, streamMessage } from './sse.js';
import { errorBody, parseMessagesRequest } from './wire.js';

export interface MessagesContext {
  readonly scripts: Readonly<Record<string, Script>>;
  readonly defaultScript: string;
  /** Aborts when the client disconnects or the server closes. */
  readonly signal: AbortSignal;
  readonly record: (request: RecordedRequest) => void;
  /** Arrivals of identical requests, for faults that answer retries differently. */
  readonly attempts: AttemptCounter;
}

/**
 * What the CLI (2.1.332, measured) does with an error status:
 * - 400: no back-off, but it re-sends at once up to 5 times, dropping beta features each time
 *   (6 requests in ~0.1 s), then ends the turn: a `result` with is_error true, and query()
 *   then throws "Claude Code returned an error result: API Error: 400 <message>".
 * - 401, 429, 500 and others: exponential back-off (0.5 s, 1 s, 2 s, 4 s, 8 s, 16 s, ...)
 *   for minutes, unless the response says `x-should-retry: false`, which the CLI honours: it
 *   then fails after one request, same `result` and throw as above.
 * - 529: three attempts (~2 s), then "Repeated 529 Overloaded errors".
 * Hence non-retryable unless a step opts in. Retries resend the same history, so they hit
 * the same step again rather than consuming the next one.
 */
export function sendError(res: ServerResponse, error: ScriptedError): void {
  const requestId = newId('req_');
  res.writeHead(error.status, {
    'content-type': 'application/json',
    'request-id': requestId,
    'x-should-retry': error.retryable === true ? 'true' : 'false',
  });
  res.end(errorBody(error.type, error.message, requestId));
}

function outcomeOf(reply: Reply): string {
  if (reply.kind === 'error') return `error:${reply.error.status}`;
  const tool = reply.message.content.find((b) => b.type === 'tool_use');
  return tool?.type === 'tool_use' ? `tool_use:${tool.name}` : 'text';
}

async function send(res: ServerResponse, reply: Reply, stream: boolean, signal: AbortSignal): Promise<void> {
  if (reply.kind === 'message' && stream) return streamMessage(res, reply.message, reply.delayMs, signal);
  if (reply.delayMs > 0 && !(await sleep(reply.delayMs, signal))) return;
  if (reply.kind === 'error') return sendError(res, reply.error);
  res.writeHead(200, { 'content-type': 'application/json', 'request-id': newId('req_') });
  res.end(JSON.stringify(reply.message));
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** POST /v1/messages: picks the script step for this request and answers with it. */
export async function handleMessages(req: IncomingMessage, res: ServerResponse, raw: string, ctx: MessagesContext): Promise<void> {
  const body = parseJson(raw);
  const request = parseMessagesRequest(body);
  const base = { receivedAt: new Date().toISOString(), method: req.method ?? 'POST', path: req.url ?? '', headers: summarizeHeaders(req.headers), body };
  const record = (kind: RequestKind, outcome: string, script?: string, turn?: number, reply?: Reply): void =>
    ctx.record({
      ...base,
      kind,
      outcome,
      script,
      turn,
      billed: reply?.kind === 'message' ? { model: reply.message.model, usage: reply.message.usage } : undefined,
    });

  if (typeof request === 'string') {
    record('invalid', 'error:400');
    return sendError(res, { status: 400, type: 'invalid_request_error', message: request });
  }
  // The agent loop always offers tools; title generation and other helper calls send none.
  if (request.toolNames === undefined || request.toolNames.length === 0) {
    const reply = sideReply(request, raw.length);
    record('side', outcomeOf(reply), undefined, undefined, reply);
    return send(res, reply, request.stream, ctx.signal);
  }
  const conversation = readConversation(request);
  const selection = selectScript(conversation, ctx.scripts, ctx.defaultScript);
  if (!selection.ok) {
    record('main', 'error:400');
    return sendError(res, { status: 400, type: 'invalid_request_error', message: `scripted model: ${selection.message}` });
  }
  let reply: Reply;
  try {
    const step = stepForTurn(selection.script, conversation);
    const fault = step.fault;
    const outcome = fault === undefined ? null : faultOutcome(fault, ctx.attempts.next(raw));
    if (fault !== undefined && outcome !== null) {
      record('main', outcome, selection.name, conversation.turn);
      return sendFault(res, fault, outcome, ctx.signal);
    }
    reply = replyForStep(step, conversation, request.model, raw.length);
  } catch (err) {
    // A throwing text_fn/tool_fn is a bug in the test; fail the query at once and say why.
    const message = `scripted model: script "${selection.name}" step ${conversation.turn} threw: ${err instanceof Error ? err.message : String(err)}`;
    record('main', 'error:500', selection.name, conversation.turn);
    return sendError(res, { status: 500, type: 'api_error', message });
  }
  record('main', outcomeOf(reply), selection.name, conversation.turn, reply);
  return send(res, reply, request.stream, ctx.signal);
}

/** POST /v1/messages/count_tokens, with the same ~4 chars/token estimate as replies use. */
export function handleCountTokens(req: IncomingMessage, res: ServerResponse, raw: string, ctx: MessagesContext): void {
  const body = parseJson(raw);
  ctx.record({
    receivedAt: new Date().toISOString(),
    method: req.method ?? 'POST',
    path: req.url ?? '',
    headers: summarizeHeaders(req.headers),
    body,
    kind: 'count_tokens',
    script: undefined,
    turn: undefined,
    outcome: 'count',
  });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ input_tokens: estimateTokens(raw.length) }));
}
