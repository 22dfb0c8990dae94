import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** What every test MCP server offers: `echo` answers its text, `whoami` says who and where the server runs. */
export function buildTestMcpServer(name = 'ccs-test-mcp'): McpServer {
  const server = new McpServer({ name, version: '1.0.0' });
  server.registerTool('echo', { description: 'Answers with the text it is given.', inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text: `echo: ${text}` }],
  }));
  server.registerTool('whoami', { description: 'The uid, working directory and environment variable names of this server.' }, () => ({
    content: [{ type: 'text', text: JSON.stringify({ uid: process.getuid?.() ?? null, cwd: process.cwd(), env: Object.keys(process.env).sort() }) }],
  }));
  return server;
}

export interface McpRequestSeen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

export interface TestMcpHttpServer {
  /** The streamable HTTP endpoint (type "http"). */
  url: string;
  /** The legacy SSE endpoint (type "sse"). */
  sseUrl: string;
  /** Every request this server answered, with the headers it came with. */
  readonly requests: McpRequestSeen[];
  close(): Promise<void>;
}

/**
 * A real MCP server over HTTP on loopback, built with @modelcontextprotocol/sdk: streamable HTTP
 * at /mcp (stateless: a server per request) and the legacy SSE transport at /sse + /messages.
 */
export async function startTestMcpHttpServer(host = '127.0.0.1'): Promise<TestMcpHttpServer> {
  const requests: McpRequestSeen[] = [];
  const sse = new Map<string, SSEServerTransport>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ method: req.method ?? '', path: url.pathname, headers: req.headers });
    if (url.pathname === '/mcp') {
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      const server = buildTestMcpServer();
      res.once('close', () => void transport.close().then(() => server.close()));
      await server.connect(transport);
      await transport.handleRequest(req, res);
    } else if (url.pathname === '/sse' && req.method === 'GET') {
      const transport = new SSEServerTransport('/messages', res);
      sse.set(transport.sessionId, transport);
      res.once('close', () => sse.delete(transport.sessionId));
      await buildTestMcpServer().connect(transport);
    } else if (url.pathname === '/messages' && req.method === 'POST') {
      const transport = sse.get(url.searchParams.get('sessionId') ?? '');
      if (transport === undefined) res.writeHead(404).end('unknown session');
      else await transport.handlePostMessage(req, res);
    } else {
      res.writeHead(404).end();
    }
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://${host}:${port}`;
  return {
    url: `${base}/mcp`,
    sseUrl: `${base}/sse`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
