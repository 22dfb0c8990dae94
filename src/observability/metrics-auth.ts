import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The check of METRICS_AUTH_TOKEN on the metrics port: `Authorization: Bearer <token>`. Both
 * sides are hashed first, so the comparison is constant-time whatever the lengths. Returns a
 * function that answers 401 itself and says false when the request may not see the metrics;
 * without a token every request may (the port is then guarded by the network alone).
 */
export function metricsAuth(token: string | undefined): (request: IncomingMessage, response: ServerResponse) => boolean {
  if (token === undefined) return () => true;
  const expected = digest(token);
  return (request, response) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
    if (match && timingSafeEqual(digest(match[1]!), expected)) return true;
    response
      .writeHead(401, {
        'Content-Type': 'text/plain; charset=utf-8',
        'WWW-Authenticate': match ? 'Bearer realm="metrics", error="invalid_token"' : 'Bearer realm="metrics"',
      })
      .end('Unauthorized: the metrics endpoint needs Authorization: Bearer <METRICS_AUTH_TOKEN>\n');
    return false;
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
