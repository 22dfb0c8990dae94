/**
 * The egress proxy's MCP relay, in the test process: a real proxy on a real socket (as an agent
 * process's egress socket is served) in front of a real MCP server, asked the two ways an HTTP
 * client behind HTTP_PROXY asks (absolute-form requests and CONNECT tunnels).
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EgressGate } from '../../../src/egress/egress-gate.js';
import { EgressProxy } from '../../../src/egress/egress-proxy.js';
import { parseHostPatterns } from '../../../src/egress/host-patterns.js';
import { McpRelay, type RelayOutcome } from '../../../src/mcp/mcp-relay.js';
import { mcpBinding, type McpBinding } from '../../../src/mcp/mcp-routes.js';
import { createLogger } from '../../../src/observability/logger.js';
import type { SecretReader } from '../../../src/secrets/secret-types.js';
import { openBlackhole, type Blackhole } from '../../helpers/blackhole.js';

const SECRET = 'relay-secret-value-77';
/** The servers' connect timeout here (CONNECT_TIMEOUT_MS, 10 s, in production). */
const CONNECT_TIMEOUT_MS = 300;

/** The tenant's secrets as a SecretReader gives them: one secret, `docs-token`, for tenant `t`. */
const secrets: SecretReader = {
  enabled: true,
  reveal: async (tenant, name) => (tenant === 't' && name === 'docs-token' ? SECRET : null),
  missing: async (_tenant, names) => names.filter((n) => n !== 'docs-token'),
};

describe('the MCP relay', () => {
  let upstream: http.Server;
  let seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[];
  let proxyServer: net.Server;
  let proxy: EgressProxy;
  let binding: McpBinding | null;
  let allowPrivate: boolean;
  const outcomes: RelayOutcome[] = [];
  /** A server that never accepts a connection, reached by the relay (s4) and by the agent (`hole.test`). */
  let blackhole: Blackhole;

  beforeAll(async () => {
    blackhole = await openBlackhole();
    seen = [];
    upstream = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'text/plain', connection: 'keep-alive', 'x-upstream': '1' }).end(`answer to ${req.url ?? ''}`);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as AddressInfo).port;
    // `dual.test` resolves to IPv6 loopback first, where nothing listens, then to IPv4 loopback.
    // The agent's own connections may reach `dual.test` only (loopback allowed, as in tests); the
    // relay's private-address rule is its own (MCP_ALLOW_PRIVATE), not this one.
    const gate = new EgressGate({
      allowPrivate: true,
      policyFor: async () => ({ tenant: parseHostPatterns(['dual.test', 'hole.test']).patterns, task: null }),
      resolve: async (host) => (host === 'dual.test' ? ['::1', '127.0.0.1'] : [host === 'localhost' || host === 'hole.test' ? '127.0.0.1' : host]),
    });
    const logger = createLogger({ level: 'ERROR', sink: () => undefined });
    proxy = new EgressProxy({
      gate,
      onBlocked: () => undefined,
      blockedTotal: { inc: () => undefined },
      logger,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      mcp: new McpRelay({
        secrets,
        get allowPrivate() {
          return allowPrivate;
        },
        resolve: (host, ok) => gate.resolvePermitted(host, ok),
        logger,
        count: (outcome) => outcomes.push(outcome),
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
      }),
    });
    const servers = {
      docs: { type: 'http' as const, url: `http://127.0.0.1:${port}/v1/mcp`, headers: { Authorization: { secret: 'docs-token' }, 'X-Team': 'alpha' } },
      gone: { type: 'http' as const, url: `http://127.0.0.1:${port}/mcp`, headers: { Authorization: { secret: 'deleted' } } },
      ops: { type: 'sse' as const, url: `http://127.0.0.1:${port}/sse` },
      dual: { type: 'http' as const, url: `http://dual.test:${port}/dual` },
      hole: { type: 'http' as const, url: `http://127.0.0.1:${blackhole.port}/mcp` },
    };
    binding = mcpBinding({ tenantId: 't', servers, operatorServers: ['ops'] }).binding;
    proxyServer = net.createServer((socket) => proxy.accept(socket, () => 'task-1', binding));
    await new Promise<void>((resolve) => proxyServer.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    proxy.close();
    await new Promise((resolve) => proxyServer.close(resolve));
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
    blackhole?.close();
  });

  const proxyPort = () => (proxyServer.address() as AddressInfo).port;

  /** A CONNECT tunnel to `target` through the proxy, one plain GET of `path` inside it; what came back. */
  function throughTunnel(target: string, path: string): Promise<string> {
    const socket = net.connect(proxyPort(), '127.0.0.1');
    return new Promise<string>((resolve, reject) => {
      let got = '';
      socket.on('data', (chunk: Buffer) => {
        got += chunk.toString();
        if (got.includes('answer to')) resolve(got);
      });
      socket.on('error', reject);
      socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${target.split(':')[0]!}\r\n\r\n`);
    }).finally(() => socket.destroy());
  }

  /** An absolute-form request through the proxy, as curl or undici send an http:// URL to HTTP_PROXY. */
  function viaProxy(url: string, headers: Record<string, string> = {}, body = ''): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: proxyPort(), agent: false, method: body ? 'POST' : 'GET', path: url, headers: { host: new URL(url).host, ...headers } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('forwards to the real server at its own origin, with the configured headers (the secret resolved) over the agent own', async () => {
    allowPrivate = true;
    const answer = await viaProxy(
      'http://s0.mcp.ccs.invalid/v1/mcp?x=1',
      { authorization: 'Bearer forged', 'x-agent': 'kept', 'proxy-authorization': 'p' },
      '{"jsonrpc":"2.0"}',
    );
    expect(answer).toMatchObject({ status: 200, text: 'answer to /v1/mcp?x=1', headers: { 'x-upstream': '1' } });
    expect(outcomes.at(-1)).toBe('forwarded');
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', url: '/v1/mcp?x=1', body: '{"jsonrpc":"2.0"}' });
    expect(request.headers).toMatchObject({
      authorization: SECRET,
      'x-team': 'alpha',
      'x-agent': 'kept',
      host: `127.0.0.1:${new URL(`http://${request.headers.host}`).port}`,
    });
    expect(request.headers['proxy-authorization']).toBeUndefined();
  });

  it('serves the same through a CONNECT tunnel to the relay name', async () => {
    allowPrivate = true;
    const text = await throughTunnel('s0.mcp.ccs.invalid:80', '/v1/tunnelled');
    expect(text).toContain('200 Connection Established');
    expect(text).toContain('answer to /v1/tunnelled');
    expect(seen.at(-1)!.headers.authorization).toBe(SECRET);
  });

  it('answers 404 for a label the process does not have, and 502 naming (not revealing) a secret that is gone', async () => {
    allowPrivate = true;
    outcomes.length = 0;
    expect((await viaProxy('http://s9.mcp.ccs.invalid/mcp')).status).toBe(404);
    const gone = await viaProxy('http://s1.mcp.ccs.invalid/mcp');
    expect(gone.status).toBe(502);
    expect(gone.text).toContain('"deleted"');
    // Counted in mcp_relay_requests_total{outcome}.
    expect(outcomes).toEqual(['unknown_server', 'secret_missing']);
  });

  it('refuses a private address unless MCP_ALLOW_PRIVATE allows it or the server is the operator own', async () => {
    allowPrivate = false;
    const refused = await viaProxy('http://s0.mcp.ccs.invalid/v1/mcp');
    expect(refused.status).toBe(403);
    expect(refused.text).toMatch(/loopback|private/);
    // `ops` comes from the tenant's keys-file default: the operator chose its address.
    expect((await viaProxy('http://s2.mcp.ccs.invalid/sse')).status).toBe(200);
  });

  it('relays nothing for a process started without MCP servers', async () => {
    const saved = binding;
    binding = null;
    try {
      expect((await viaProxy('http://s0.mcp.ccs.invalid/v1/mcp')).status).toBe(404);
    } finally {
      binding = saved;
    }
  });

  it('tries each checked address of a name in turn (IPv6 loopback refused, then IPv4)', async () => {
    allowPrivate = true;
    const answer = await viaProxy('http://s3.mcp.ccs.invalid/dual');
    expect(answer).toMatchObject({ status: 200, text: 'answer to /dual' });
    expect(seen.at(-1)!.headers.host).toBe(`dual.test:${(upstream.address() as AddressInfo).port}`);
  });

  it("tries each checked address for the agent's own connections too: CONNECT and plain HTTP", async () => {
    const port = (upstream.address() as AddressInfo).port;
    expect(await viaProxy(`http://dual.test:${port}/plain`)).toMatchObject({ status: 200, text: 'answer to /plain' });
    expect(seen.at(-1)!.headers.authorization).toBeUndefined();
    const text = await throughTunnel(`dual.test:${port}`, '/tunnel');
    expect(text).toContain('answer to /tunnel');
  });

  it('answers 504 when an MCP server never accepts the connection, after the connect timeout instead of the kernel two minutes', async () => {
    allowPrivate = true;
    outcomes.length = 0;
    const started = Date.now();
    const answer = await viaProxy('http://s4.mcp.ccs.invalid/mcp', {}, '{"jsonrpc":"2.0"}');
    expect(answer.status).toBe(504);
    expect(answer.text).toContain('MCP server "hole" failed: ETIMEDOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS);
    expect(outcomes).toEqual(['unreachable']);
  });

  it("answers 504 for the agent's own connection to a host that never accepts: CONNECT and plain HTTP", async () => {
    const tunnel = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(proxyPort(), '127.0.0.1');
      let got = '';
      socket.on('data', (chunk: Buffer) => (got += chunk.toString()));
      socket.on('close', () => resolve(got));
      socket.on('error', reject);
      socket.write(`CONNECT hole.test:${blackhole.port} HTTP/1.1\r\nHost: hole.test\r\n\r\n`);
    });
    expect(tunnel).toMatch(/^HTTP\/1\.1 504 Gateway Timeout\r\n[\s\S]*ETIMEDOUT/);
    const plain = await viaProxy(`http://hole.test:${blackhole.port}/plain`);
    expect(plain).toMatchObject({ status: 504, text: expect.stringContaining('ETIMEDOUT') });
  });
});
