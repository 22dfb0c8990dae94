import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type LookupFunction, type Socket } from 'node:net';
import type { Counter } from 'prom-client';
import { CONNECT_TIMEOUT_MS, limitConnect, unreachableStatus } from '../lib/connect-timeout.js';
import { fixedLookup } from '../lib/fixed-lookup.js';
import type { McpBinding } from '../mcp/mcp-routes.js';
import type { McpRelay } from '../mcp/mcp-relay.js';
import type { Logger } from '../observability/logger.js';
import type { EgressBlock, EgressGate, GateVerdict } from './egress-gate.js';
import { readSocksConnect, SOCKS_REPLY, socksReply } from './socks5.js';

export interface EgressProxyOptions {
  gate: EgressGate;
  /** A refusal of a task's connection: goes to its event stream as network_blocked. */
  onBlocked: (taskId: string, block: EgressBlock) => void;
  blockedTotal: Pick<Counter<'reason'>, 'inc'>;
  logger: Logger;
  /** Serves requests for the reserved MCP relay host names (see src/mcp/mcp-routes.ts). */
  mcp: McpRelay;
  /** How long a target may take to accept the connection (default CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
}

/** Hop-by-hop and proxy headers: never passed on to the target. */
const DROPPED_HEADERS = new Set(['proxy-authorization', 'proxy-connection', 'connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * Connection options that reach only the checked addresses, each in turn (a name whose first
 * address does not answer, IPv6 before IPv4): the placeholder name makes Node ask the lookup.
 */
function toChecked(addresses: string[]): { host: string; lookup: LookupFunction } {
  return { host: 'checked.invalid', lookup: fixedLookup(addresses) };
}

/** `host:port` of a CONNECT line; IPv6 in brackets. */
function parseAuthority(authority: string): { host: string; port: number } | null {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(authority);
  if (!match) return null;
  const port = Number(match[3]);
  return port >= 1 && port <= 65535 ? { host: (match[1] ?? match[2])!, port } : null;
}

/**
 * The egress proxy every sandboxed agent reaches the outside through: HTTP (CONNECT tunnels and
 * absolute-form plain requests) and SOCKS5 (CONNECT, names resolved here), told apart by the
 * first byte on the connection. Each agent process has a Unix socket of its own (see
 * agent-network.ts), so the proxy knows which process asks and, from its credential, which task
 * that process is serving right now; the gate applies that task's allowlist.
 */
export class EgressProxy {
  private readonly http = http.createServer();
  /** Plain HTTP inside a CONNECT tunnel to an MCP relay name: a client may tunnel even to http:// targets. */
  private readonly tunnelledRelay = http.createServer();
  private readonly clients = new WeakMap<Socket, () => string | null>();
  private readonly mcpBindings = new WeakMap<Socket, McpBinding>();
  private readonly open = new Set<Socket>();

  constructor(private readonly options: EgressProxyOptions) {
    this.http.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => void this.tunnel(req, socket, head));
    this.http.on('request', (req: IncomingMessage, res: ServerResponse) => void this.relay(req, res));
    this.http.on('upgrade', (_req: IncomingMessage, socket: Socket) => socket.end('HTTP/1.1 501 Not Implemented\r\nConnection: close\r\n\r\n'));
    this.tunnelledRelay.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'invalid'}`);
      if (!this.options.mcp.handles(url.hostname))
        return void res.writeHead(400, { 'content-type': 'text/plain' }).end('claude-code-server egress proxy: wrong Host in the tunnel\n');
      void this.options.mcp.forward(req, res, url, this.mcpBindings.get(req.socket) ?? null);
    });
  }

  /**
   * Serves one connection from an agent process; `currentTask` names the task it serves right now,
   * `mcp` the MCP servers it was started with.
   */
  accept(socket: Socket, currentTask: () => string | null, mcp: McpBinding | null = null): void {
    this.track(socket);
    this.clients.set(socket, currentTask);
    if (mcp !== null) this.mcpBindings.set(socket, mcp);
    socket.on('error', () => undefined);
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (first[0] === 0x05) void this.socks(socket, currentTask);
      else this.http.emit('connection', socket);
      socket.resume();
    });
  }

  /** Ends every connection (tunnels included). */
  close(): void {
    for (const socket of this.open) socket.destroy();
    this.http.close();
  }

  private track(socket: Socket): void {
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
  }

  private async check(currentTask: (() => string | null) | undefined, host: string, port: number): Promise<GateVerdict> {
    const taskId = currentTask?.() ?? null;
    const verdict = await this.options.gate.decide(taskId, host, port);
    if (!verdict.ok && verdict.block !== null) {
      const block = verdict.block;
      this.options.blockedTotal.inc({ reason: block.reason });
      this.options.logger.warn('Agent network connection blocked', {
        task_id: taskId,
        host: block.host,
        port: block.port,
        reason: block.reason,
        detail: verdict.detail,
      });
      if (taskId !== null) this.options.onBlocked(taskId, block);
    }
    return verdict;
  }

  private get connectTimeoutMs(): number {
    return this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  }

  /** Connects for `client`; a client that goes away while the target has not yet answered takes the attempt with it. */
  private connectTo(
    client: Socket,
    addresses: string[],
    port: number,
    onConnect: (upstream: Socket) => void,
    onError: (error: NodeJS.ErrnoException) => void,
  ): void {
    const upstream = connect({ ...toChecked(addresses), port });
    this.track(upstream);
    limitConnect(upstream, this.connectTimeoutMs);
    client.once('close', () => upstream.destroy());
    upstream.once('connect', () => {
      upstream.off('error', onError);
      upstream.on('error', () => undefined);
      onConnect(upstream);
    });
    upstream.once('error', onError);
  }

  private splice(client: Socket, upstream: Socket, early: Buffer): void {
    if (early.length > 0) upstream.write(early);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  }

  private async tunnel(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const target = parseAuthority(req.url ?? '');
    if (target === null) return void socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    if (this.options.mcp.handles(target.host)) return this.relayTunnel(socket, head);
    const verdict = await this.check(this.clients.get(socket), target.host, target.port);
    if (!verdict.ok) {
      const status = verdict.block ? '403 Forbidden' : '502 Bad Gateway';
      return void socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nclaude-code-server egress proxy: ${verdict.detail}\n`);
    }
    this.connectTo(
      socket,
      verdict.addresses,
      target.port,
      (upstream) => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        this.splice(socket, upstream, head);
      },
      (error) => {
        const status = unreachableStatus(error);
        socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\n\r\n${error.code ?? 'connect failed'}\n`);
      },
    );
  }

  /** A CONNECT to an MCP relay name: the tunnel carries plain HTTP, served by the relay with the process's servers. */
  private relayTunnel(socket: Socket, head: Buffer): void {
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    this.tunnelledRelay.emit('connection', socket);
  }

  private async relay(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
      if (url.protocol !== 'http:') throw new Error('protocol');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('claude-code-server egress proxy: send absolute http:// URLs, or CONNECT for https\n');
      return;
    }
    if (this.options.mcp.handles(url.hostname)) return this.options.mcp.forward(req, res, url, this.mcpBindings.get(req.socket) ?? null);
    const port = Number(url.port || 80);
    const verdict = await this.check(this.clients.get(req.socket), url.hostname.replace(/^\[|\]$/g, ''), port);
    if (!verdict.ok) {
      req.resume();
      res.writeHead(verdict.block ? 403 : 502, { 'content-type': 'text/plain' }).end(`claude-code-server egress proxy: ${verdict.detail}\n`);
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) if (!DROPPED_HEADERS.has(name) && value !== undefined) headers[name] = value;
    headers.host = url.host;
    const upstream = http.request(
      { ...toChecked(verdict.addresses), port, method: req.method, path: `${url.pathname}${url.search}`, headers, setHost: false, agent: false },
      (answer) => {
        const answerHeaders: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(answer.headers)) if (!DROPPED_HEADERS.has(name) && value !== undefined) answerHeaders[name] = value;
        res.writeHead(answer.statusCode ?? 502, answerHeaders);
        answer.pipe(res);
      },
    );
    upstream.once('socket', (connection: Socket) => limitConnect(connection, this.connectTimeoutMs));
    upstream.once('error', (error: NodeJS.ErrnoException) => {
      if (!res.headersSent) res.writeHead(unreachableStatus(error), { 'content-type': 'text/plain' });
      res.end(`claude-code-server egress proxy: ${error.code ?? 'upstream failed'}\n`);
    });
    // A client that goes away takes its upstream request with it (no pooled connections are shared between agents).
    res.once('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  private async socks(socket: Socket, currentTask: () => string | null): Promise<void> {
    const parsed = await readSocksConnect(socket);
    if (parsed === null) return;
    const { request, rest } = parsed;
    const verdict = await this.check(currentTask, request.host, request.port);
    if (!verdict.ok) return void socket.end(socksReply(verdict.block ? SOCKS_REPLY.notAllowed : SOCKS_REPLY.hostUnreachable));
    this.connectTo(
      socket,
      verdict.addresses,
      request.port,
      (upstream) => {
        socket.write(socksReply(SOCKS_REPLY.succeeded));
        this.splice(socket, upstream, rest);
      },
      (error) => socket.end(socksReply(error.code === 'ECONNREFUSED' ? SOCKS_REPLY.connectionRefused : SOCKS_REPLY.hostUnreachable)),
    );
  }
}
