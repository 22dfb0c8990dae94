import type { SecretReader } from '../secrets/secret-types.js';
import type { McpHeaderValue } from './mcp-types.js';

/** A secret is any text; in a header, a line break would start another header. */
export function isHeaderSafe(value: string): boolean {
  return !/[\r\n\0]/.test(value);
}

/** A header value that names a secret which cannot be sent: gone, or not a valid header value. */
export class SecretHeaderError extends Error {}

/** A server's configured headers with each `{secret}` replaced by its value, read now (a rotation applies at once). */
export async function revealHeaders(
  headers: Record<string, McpHeaderValue>,
  tenantId: string,
  secrets: SecretReader | null,
  server: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [header, value] of Object.entries(headers)) {
    if (typeof value === 'string') {
      out[header] = value;
      continue;
    }
    const secret = secrets?.enabled ? await secrets.reveal(tenantId, value.secret) : null;
    if (secret === null) throw new SecretHeaderError(`MCP server "${server}": header ${header} names the secret "${value.secret}", which is not set`);
    if (!isHeaderSafe(secret))
      throw new SecretHeaderError(`MCP server "${server}": the secret "${value.secret}" holds a line break or NUL, which no header value may`);
    out[header] = secret;
  }
  return out;
}
