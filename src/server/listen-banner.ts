import type { AddressInfo } from 'node:net';

/**
 * One line for a person starting the server by hand (`npm start`, `npx claude-code-server`):
 * where it listens, with the port actually bound (SERVER_PORT=0 picks a free one). Logs stay
 * JSON on stdout; this goes to stderr.
 */
export function listenBanner(address: AddressInfo | string | null, version: string): string {
  if (address === null || typeof address === 'string') return `Claude Code Server ${version} listening on ${address ?? '(unknown)'}\n`;
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const base = `http://${host}:${address.port}`;
  return `Claude Code Server ${version} listening on ${address.address}:${address.port} — API ${base}/api/v1, dashboard ${base}/ui, docs ${base}/docs\n`;
}
