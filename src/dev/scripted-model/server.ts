import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { BUILTIN_SCRIPTS, DEFAULT_SCRIPT } from './builtin-scripts.js';
import { AttemptCounter } from './faults.js';
import { handleCountTokens, handleMessages, sendError, type MessagesContext } from './messages.js';
import type { HttpLogEntry, RecordedRequest } from './recording.js';
import type { Script } from './scripts.js';

export interface ScriptedModelOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Defaults to 127.0.0.1: the model is a test double and must not be reachable off-host. */
  readonly host?: string;
  /** Extra named scripts, selectable with `[[script:NAME]]`; they override built-ins of the same name. */
  readonly scripts?: Readonly<Record<string, Script>>;
  /** Script for prompts without a directive; defaults to the built-in 'demo'. */
  readonly defaultScript?: string;
}

export interface ScriptedModel {
  /** Base URL for ANTHROPIC_BASE_URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Every /v1/messages and count_tokens request, in arrival order (live array). */
  readonly requests: RecordedRequest[];
  /** Every HTTP request on any path with the status sent (live array). */
  readonly httpLog: HttpLogEntry[];
  /** Stops listening, drops open connections and cancels delayed replies. */
  close(): Promise<void>;
}

// Conversations grow with every turn and resumed sessions resend them whole.
const MAX_BODY_BYTES = 64 * 1024 * 1024;

const MODELS = ['claude-opus-5-5', 'claude-sonnet-4-5', 'claude-haiku-4-5'];

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) parts.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
    // Without this a client that hangs up mid-body would leave the promise pending forever.
    req.on('close', () => {
      if (!req.complete) reject(new Error('client closed the connection before sending the whole body'));
    });
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

type Handler = (req: IncomingMessage, res: ServerResponse, ctx: MessagesContext) => Promise<void> | void;

async function withBody(req: IncomingMessage, res: ServerResponse, handle: (raw: string) => Promise<void> | void): Promise<void> {
  const raw = await readBody(req);
  if (raw === undefined) {
    return sendError(res, { status: 413, type: 'request_too_large', message: 'Request exceeds the maximum allowed size' });
  }
  return handle(raw);
}

/** Routes keyed by `METHOD path` (query string ignored: the CLI adds `?beta=true`). */
const ROUTES: Record<string, Handler> = {
  'POST /v1/messages': (req, res, ctx) => withBody(req, res, (raw) => handleMessages(req, res, raw, ctx)),
  'POST /v1/messages/count_tokens': (req, res, ctx) => withBody(req, res, (raw) => handleCountTokens(req, res, raw, ctx)),
  // The CLI sends `HEAD /api/hello` at start-up as a reachability probe.
  'HEAD /api/hello': (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(),
  'GET /api/hello': (_req, res) => sendJson(res, 200, { message: 'hello' }),
  'GET /v1/models': (_req, res) =>
    sendJson(res, 200, {
      data: MODELS.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' })),
      has_more: false,
      first_id: MODELS[0],
      last_id: MODELS.at(-1),
    }),
};

export async function startScriptedModel(opts: ScriptedModelOptions = {}): Promise<ScriptedModel> {
  const host = opts.host ?? '127.0.0.1';
  const scripts = { ...BUILTIN_SCRIPTS, ...opts.scripts };
  const defaultScript = opts.defaultScript ?? DEFAULT_SCRIPT;
  const requests: RecordedRequest[] = [];
  const httpLog: HttpLogEntry[] = [];
  const inFlight = new Set<AbortController>();
  const attempts = new AttemptCounter();

  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const route = ROUTES[`${req.method ?? 'GET'} ${path.split('?')[0] ?? ''}`];
    const controller = new AbortController();
    inFlight.add(controller);
    // 'close' also fires after a normal end; aborting then is a no-op. Before the end it means
    // the client hung up (e.g. an interrupted query), so delayed replies must stop writing.
    res.once('close', () => {
      inFlight.delete(controller);
      controller.abort();
      httpLog.push({ method: req.method ?? '', path, status: res.statusCode, completed: res.writableFinished });
    });
    const ctx: MessagesContext = { scripts, defaultScript, signal: controller.signal, record: (r) => requests.push(r), attempts };
    const handle: Handler = route ?? ((_q, r) => sendError(r, { status: 404, type: 'not_found_error', message: `Not found: ${req.method} ${path}` }));
    Promise.resolve(handle(req, res, ctx)).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      sendError(res, { status: 500, type: 'api_error', message: `scripted model crashed: ${String(err)}` });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('scripted model: server has no TCP address');
  const { port } = address;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    requests,
    httpLog,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const controller of inFlight) controller.abort();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
