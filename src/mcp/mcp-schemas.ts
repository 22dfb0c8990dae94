import { z } from 'zod';
import { isHeaderSafe } from './mcp-headers.js';

/** Server names become part of tool names (`mcp__<name>__<tool>`): no "__", nothing the CLI would rewrite. */
const SERVER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]|_(?!_)){0,63}$/;
const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
/** Headers the relay owns: a client cannot set them for a server. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-connection',
]);
export const MAX_MCP_SERVERS = 20;

const headerValue = z.union([
  z.string().max(8192).refine(isHeaderSafe, 'a header value must not contain CR, LF or NUL'),
  z.strictObject({ secret: z.string().regex(SECRET_NAME, 'secret must name one of the tenant\'s secrets (1-128 letters, digits, ".", "_" or "-")') }),
]);

const remoteServer = z.strictObject({
  type: z.enum(['http', 'sse']),
  url: z
    .string()
    .max(2048)
    .refine((raw) => {
      try {
        const url = new URL(raw);
        return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
      } catch {
        return false;
      }
    }, 'url must be an http:// or https:// URL without credentials (put them in headers, or in a secret)'),
  headers: z
    .record(
      z
        .string()
        .regex(HEADER_NAME, 'each header name must be an HTTP token')
        .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), 'this header is set by the relay, not by the client'),
      headerValue,
    )
    .refine((headers) => Object.keys(headers).length <= 50, 'at most 50 headers')
    .optional(),
});

const stdioServer = z.strictObject({
  // As in the Agent SDK, a server with a command and no type is a stdio server.
  type: z.literal('stdio').optional(),
  command: z.string().min(1).max(4096),
  args: z.array(z.string().max(4096)).max(100).optional(),
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'each env name must be a shell variable name'), z.string().max(32_768))
    .refine((env) => Object.keys(env).length <= 100, 'at most 100 variables')
    .optional()
    .describe('Literal values only: a stdio server runs inside the sandbox, so a secret given to it would be there too.'),
});

/** options.mcp_servers and a tenant's `mcp_servers` in the keys file. */
export const mcpServersSchema = z
  .record(
    z.string().regex(SERVER_NAME, 'each server name must be 1-64 letters, digits, "-" or "_" (not "__"), starting with a letter or digit'),
    z.union([remoteServer, stdioServer]),
  )
  .refine((servers) => Object.keys(servers).length <= MAX_MCP_SERVERS, `at most ${MAX_MCP_SERVERS} servers`)
  .describe(
    'MCP servers for this task, by name: {type: "http"|"sse", url, headers?} or {type: "stdio", command, args?, env?}; a header value may be {"secret": "<name>"} (docs/mcp.md).',
  );
