import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { CONNECT_TIMEOUT_MS, limitConnect, unreachableStatus } from '../lib/connect-timeout.js';
import { fixedLookup } from '../lib/fixed-lookup.js';
import type { Logger } from '../observability/logger.js';
import type { SecretReader } from '../secrets/secret-types.js';
import { revealHeaders, SecretHeaderError } from './mcp-headers.js';
import { relayLabelOf, type McpBinding, type McpRoute } from './mcp-routes.js';

/** Hop-by-hop and proxy headers: never passed on in either direction. */
const HOP_BY_HOP = new Set(['proxy-authorization', 'proxy-connection', 'connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

export interface McpRelayOptions {
  /** Null without SECRETS_KEY: a header naming a secret then fails its request. */
  secrets: SecretReader | null;
  /** MCP_ALLOW_PRIVATE, as resolved for this server (see config.ts). */
  allowPrivate: boolean;
  /** The egress gate's resolver: the one address to connect to, or why not. */
  resolve: (host: string, allowPrivate: boolean) => Promise<{ ok: true; addresses: string[] } | { ok: false; detail: string }>;
  logger: Logger;
  /** mcp_relay_requests_total{outcome}: each request, by what became of it. */
  count?: (outcome: RelayOutcome) => void;
  /** How long an MCP server may take to accept the connection (default CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
}

/** What became of one relayed request: forwarded (whatever the server answered), or why not. */
export type RelayOutcome = 'forwarded' | 'unknown_server' | 'address_refused' | 'secret_missing' | 'unreachable';

class RelayRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly outcome: RelayOutcome,
  ) {
    super(message);
  }
}

/**
 * Forwards an agent's requests to its http/sse MCP servers (see mcp-routes.ts). The server makes
 * the connection, TLS included, and adds the configured headers itself, so a header's value (a
 * tenant secret) never enters the sandbox: the agent can use the server, not read its credential.
 * Only the servers of the asking process are reachable, each only at its own origin.
 */
export class McpRelay {
  constructor(private readonly options: McpRelayOptions) {}

  handles(hostname: string): boolean {
    return relayLabelOf(hostname) !== null;
  }

  async forward(req: IncomingMessage, res: ServerResponse, url: URL, binding: McpBinding | null): Promise<void> {
    const route = binding?.routes.get(relayLabelOf(url.hostname) ?? '') ?? null;
    try {
      if (binding === null || route === null) throw new RelayRefusal(404, `no MCP server ${url.hostname} for this agent process`, 'unknown_server');
      const target = new URL(`${url.pathname}${url.search}`, route.server.url);
      const headers = await this.headersFor(req, route, binding.tenantId);
      const resolved = await this.options.resolve(target.hostname, this.options.allowPrivate || route.operator);
      if (!resolved.ok) throw new RelayRefusal(403, `MCP server "${route.name}" refused: ${resolved.detail}`, 'address_refused');
      this.send(req, res, route, target, resolved.addresses, headers);
    } catch (error) {
      req.resume();
      const status = error instanceof RelayRefusal ? error.status : 502;
      this.options.count?.(error instanceof RelayRefusal ? error.outcome : 'unreachable');
      const message = error instanceof Error ? error.message : String(error);
      this.options.logger.warn('MCP relay refused a request', { server: route?.name ?? null, status, detail: message });
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(`claude-code-server MCP relay: ${message}\n`);
    }
  }

  /** The agent's headers, less hop-by-hop ones and any the server's configuration sets, plus the configured ones. */
  private async headersFor(req: IncomingMessage, route: McpRoute, tenantId: string): Promise<OutgoingHttpHeaders> {
    let configured: Record<string, string>;
    try {
      configured = await revealHeaders(route.server.headers ?? {}, tenantId, this.options.secrets, route.name);
    } catch (error) {
      if (error instanceof SecretHeaderError) throw new RelayRefusal(502, error.message, 'secret_missing');
      throw error;
    }
    const overridden = new Set(Object.keys(configured).map((name) => name.toLowerCase()));
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name) && !overridden.has(name) && value !== undefined) headers[name] = value;
    return { ...headers, ...configured };
  }

  private send(req: IncomingMessage, res: ServerResponse, route: McpRoute, target: URL, addresses: string[], headers: OutgoingHttpHeaders): void {
    const secure = target.protocol === 'https:';
    const request = (secure ? https : http).request({
      host: target.hostname.replace(/^\[|\]$/g, ''),
      // Only to the addresses just checked, each in turn (Node's default autoSelectFamily: IPv6 and IPv4).
      lookup: fixedLookup(addresses),
      port: Number(target.port || (secure ? 443 : 80)),
      method: req.method,
      path: `${target.pathname}${target.search}`,
      headers: { ...headers, host: target.host },
      setHost: false,
      agent: false,
    });
    request.once('socket', (connection: Socket) => limitConnect(connection, this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS));
    request.once('response', (answer) => {
      this.options.count?.('forwarded');
      const answerHeaders: OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) answerHeaders[name] = value;
      res.writeHead(answer.statusCode ?? 502, answerHeaders);
      // An SSE stream must reach the agent event by event.
      res.flushHeaders();
      answer.pipe(res);
    });
    request.once('error', (error: NodeJS.ErrnoException) => {
      if (!res.headersSent) this.options.count?.('unreachable');
      this.options.logger.warn('MCP server unreachable', { server: route.name, error: error.code ?? error.message });
      if (!res.headersSent) res.writeHead(unreachableStatus(error), { 'content-type': 'text/plain' });
      res.end(`claude-code-server MCP relay: MCP server "${route.name}" failed: ${error.code ?? error.message}\n`);
    });
    // The agent hanging up ends the upstream request (an SSE stream included).
    res.once('close', () => request.destroy());
    req.pipe(request);
  }
}
