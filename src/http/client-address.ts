import type { FastifyRequest } from 'fastify';

/**
 * The server's address as the client reached it: scheme and host from the proxy headers
 * (`X-Forwarded-Proto`, `X-Forwarded-Host`, first value), else from the request itself.
 */
export function clientAddress(request: FastifyRequest): { secure: boolean; host: string } {
  const forwardedProto = String(request.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]
    ?.trim();
  const secure = forwardedProto === 'https' || request.protocol === 'https';
  const host = String(request.headers['x-forwarded-host'] ?? request.headers.host ?? 'localhost:8000')
    .split(',')[0]!
    .trim();
  return { secure, host };
}

/** `http(s)://host` as the client reached the server. */
export function baseUrlOf(request: FastifyRequest): string {
  const { secure, host } = clientAddress(request);
  return `${secure ? 'https' : 'http'}://${host}`;
}
