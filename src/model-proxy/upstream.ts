import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';

/** Raised when the model accepted the request but sent nothing (not even headers) for the stall timeout. */
export class UpstreamStallError extends Error {
  constructor(readonly stallMs: number) {
    super(`the model sent nothing for ${Math.round(stallMs / 1000)} s`);
    this.name = 'UpstreamStallError';
  }
}

/** Headers that describe one hop (RFC 9110 §7.6.1) or that the proxy sets itself. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/** The CLI's request headers minus its token and the hop-by-hop ones, plus the real key. */
export function upstreamHeaders(incoming: IncomingHttpHeaders, apiKey: string, bodyLength: number): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'x-api-key' || name === 'authorization' || name === 'content-length') continue;
    out[name] = value;
  }
  out['x-api-key'] = apiKey;
  out['content-length'] = bodyLength;
  // The proxy meters the answer as it relays it (usage-tap.ts): ask for it uncompressed, whatever the caller asked.
  out['accept-encoding'] = 'identity';
  return out;
}

/** The model's response headers as sent on to the CLI (hop-by-hop ones dropped; Node re-frames the body). */
export function downstreamHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

export interface UpstreamRequest {
  url: URL;
  method: string;
  headers: OutgoingHttpHeaders;
  body: Buffer;
  stallMs: number;
  signal: AbortSignal;
}

/**
 * Sends one attempt and resolves with the response once its headers arrive. Rejects with the
 * socket error (nothing of the response has been seen, so the caller may retry) or with
 * UpstreamStallError when no headers came within the stall timeout.
 */
export function sendUpstream(request: UpstreamRequest, agents: { http: http.Agent; https: https.Agent }): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const isHttps = request.url.protocol === 'https:';
    const client = (isHttps ? https : http).request(request.url, {
      method: request.method,
      headers: request.headers,
      agent: isHttps ? agents.https : agents.http,
    });
    // The signal cancels the attempt only until the response arrives: from then on the relay
    // decides (it may still read a response whose caller has gone, to meter it).
    const onAbort = (): void => {
      client.destroy();
      reject(new Error('cancelled'));
    };
    if (request.signal.aborted) onAbort();
    request.signal.addEventListener('abort', onAbort, { once: true });
    const stall = setTimeout(() => {
      client.destroy();
      reject(new UpstreamStallError(request.stallMs));
    }, request.stallMs);
    client.once('response', (response) => {
      clearTimeout(stall);
      request.signal.removeEventListener('abort', onAbort);
      resolve(response);
    });
    client.once('error', (error) => {
      clearTimeout(stall);
      request.signal.removeEventListener('abort', onAbort);
      reject(error);
    });
    client.end(request.body);
  });
}
