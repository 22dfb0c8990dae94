import http, { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Logger } from '../observability/logger.js';
import type { CredentialBroker } from './credential-broker.js';
import { forwardModelRequest, sendBudgetRefusal } from './forward.js';
import { sendProxyError, type ModelFailure, type ModelFailureListener } from './model-failure.js';
import { NO_METRICS, type ModelProxyMetrics } from './proxy-metrics.js';
import type { RetrySettings } from './retry-policy.js';
import type { ModelGate } from './model-gate.js';
import type { TaskMeter } from './task-meter.js';
import type { ModelCallObserver } from './model-call-observer.js';
import { upstreamHeaders } from './upstream.js';

export const DEFAULT_MODEL_API_URL = 'https://api.anthropic.com';

/** Conversations grow with every turn and a resumed session resends its history whole. */
const MAX_REQUEST_BYTES = 64 * 1024 * 1024;

/** The model API paths an agent may call; anything else is refused, so a token opens nothing more. */
const FORWARDED_ROUTES = new Set(['POST /v1/messages', 'POST /v1/messages/count_tokens']);

export interface ModelProxyOptions {
  /** CLAUDE_BASE_URL, or the Anthropic API. A path prefix is kept. */
  upstreamUrl: string;
  /** The real model key: it lives in this process only. */
  apiKey: string;
  credentials: CredentialBroker;
  retry: RetrySettings;
  /** AGENT_STALL_TIMEOUT_SECONDS in ms: a model request that sends nothing this long is cut. */
  stallTimeoutMs: number;
  logger: Logger;
  metrics?: ModelProxyMetrics;
  /** Each task's spend, read from the responses relayed for it, and its max_budget_usd. */
  meter?: TaskMeter;
  /** Holds a task's calls until the server is ready for its agent to act (see model-gate.ts). */
  gate?: ModelGate;
  /** Watches each task's Messages API calls (tracing); none when tracing is off. */
  observer?: ModelCallObserver;
}

/**
 * The loopback credential proxy. Agent processes get its URL as ANTHROPIC_BASE_URL and a
 * per-process token instead of the model key; the proxy checks the token, puts the real key in
 * and relays the request, retrying transient failures and cutting silent streams (forward.ts).
 * It is also the one place that sees every model call, so it reports a task's model failure.
 */
export class ModelProxy {
  private failureListener: ModelFailureListener = () => undefined;
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  private readonly metrics: ModelProxyMetrics;

  private constructor(
    private readonly server: Server,
    private readonly options: ModelProxyOptions,
    readonly url: string,
  ) {
    this.metrics = options.metrics ?? NO_METRICS;
  }

  static async start(options: ModelProxyOptions): Promise<ModelProxy> {
    let proxy: ModelProxy | null = null;
    const server = createServer((req, res) => {
      proxy?.handle(req, res).catch((error: unknown) => {
        options.logger.error('Model proxy failed to relay a request', { error });
        sendProxyError(res, 502, 'api_error', 'The credential proxy failed to relay the request');
      });
    });
    // Only the agent processes on this machine may use it.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('model proxy: no TCP address');
    proxy = new ModelProxy(server, options, `http://127.0.0.1:${address.port}`);
    return proxy;
  }

  /** The token registry the proxy checks against (agent processes mint from it at spawn). */
  get credentials(): CredentialBroker {
    return this.options.credentials;
  }

  /** Serves a connection that arrived elsewhere: a sandboxed process's own Unix socket (src/egress/agent-network.ts). */
  accept(socket: Socket): void {
    this.server.emit('connection', socket);
  }

  /** Called when a task's model request fails for good (stall, exhausted retries, dropped stream). */
  onModelFailure(listener: ModelFailureListener): void {
    this.failureListener = listener;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [pathname = '/'] = (req.url ?? '/').split('?');
    const route = `${req.method ?? 'GET'} ${pathname}`;
    // The CLI's start-up reachability probe carries no key; answering it here keeps it off the network.
    if (pathname === '/api/hello' && (req.method === 'HEAD' || req.method === 'GET')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.method === 'GET' ? '{"message":"hello"}' : undefined);
      return;
    }
    if (!FORWARDED_ROUTES.has(route)) {
      this.metrics.requests.inc({ status: '404' });
      return sendProxyError(res, 404, 'not_found_error', `The credential proxy only relays model API calls, not ${route}`);
    }
    const taskId = this.options.credentials.taskFor(presentedToken(req));
    if (taskId === null) {
      this.metrics.requests.inc({ status: '401' });
      req.resume();
      return sendProxyError(res, 401, 'authentication_error', 'Invalid or expired agent token');
    }
    const body = await readBody(req);
    if (body === null) {
      this.metrics.requests.inc({ status: '413' });
      return sendProxyError(res, 413, 'request_too_large', 'Request exceeds the maximum allowed size');
    }
    const { meter, gate } = this.options;
    if (gate && !(await gate.admits(taskId))) {
      this.metrics.requests.inc({ status: '409' });
      return sendProxyError(res, 409, 'invalid_request_error', 'The task was stopped before its agent could act');
    }
    if (meter && !meter.admits(taskId)) return sendBudgetRefusal(res, { metrics: this.metrics });
    // count_tokens is free: only the Messages API itself is metered.
    const call = route === 'POST /v1/messages' ? (meter?.begin(taskId) ?? null) : null;
    const observed = call ? (this.options.observer?.begin(taskId, body) ?? null) : null;
    const base = this.options.upstreamUrl.replace(/\/+$/, '');
    try {
      await forwardModelRequest(
        {
          url: new URL(`${base}${req.url ?? '/'}`),
          method: req.method ?? 'POST',
          headers: upstreamHeaders(req.headers, this.options.apiKey, body.length),
          body,
        },
        res,
        {
          retry: this.options.retry,
          stallMs: this.options.stallTimeoutMs,
          agents: this.agents,
          logger: this.options.logger,
          metrics: this.metrics,
          reportFailure: (failure: ModelFailure) => {
            observed?.failed(failure.code, failure.message);
            this.failureListener(taskId, failure);
          },
          call,
          onAnswered: (status, tap) => observed?.answered(status, tap?.model ?? null, tap?.usage ?? null, tap?.costUsd ?? 0),
        },
        taskId,
      );
    } finally {
      call?.end();
      observed?.end();
    }
  }
}

/** The CLI sends its key as `x-api-key`; `Authorization: Bearer` is accepted too. */
function presentedToken(req: IncomingMessage): string | undefined {
  const apiKey = req.headers['x-api-key'];
  if (typeof apiKey === 'string') return apiKey;
  const authorization = req.headers.authorization;
  return authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
}

/** The whole request body: a retry must be able to send it again. Null when it is too large. */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) parts.push(chunk);
    });
    req.once('end', () => resolve(size > MAX_REQUEST_BYTES ? null : Buffer.concat(parts)));
    req.once('error', reject);
  });
}
