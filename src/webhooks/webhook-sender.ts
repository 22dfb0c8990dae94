import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { VERSION } from '../server/version.js';
import { checkWebhookUrl, resolveWebhookHost, WebhookAddressError } from './webhook-address.js';
import { signatureHeaders } from './webhook-signer.js';

export interface SendOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  /** False when retrying cannot help (the URL is refused by policy). */
  retryable: boolean;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs one signed delivery. The host is resolved and checked again at every attempt and the
 * connection goes to exactly the checked address; a 2xx answer within the timeout is success.
 */
export async function sendWebhook(input: {
  url: string;
  webhookId: string;
  payload: string;
  secret: string;
  allowPrivate: boolean;
  timeoutMs: number;
  nowSeconds: number;
  /** Sent besides ours (a push-notification config's token); never overrides the signature. */
  extraHeaders?: Record<string, string>;
}): Promise<SendOutcome> {
  let target;
  try {
    const url = checkWebhookUrl(input.url);
    target = { url, resolved: await resolveWebhookHost(url, input.allowPrivate) };
  } catch (error) {
    const refused = error instanceof WebhookAddressError;
    return {
      ok: false,
      statusCode: null,
      error: (error as Error).message,
      retryable: !refused || /cannot be resolved|has no address/.test((error as Error).message),
    };
  }
  const { url, resolved } = target;
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: resolved.address, family: resolved.family }]);
    else callback(null, resolved.address, resolved.family);
  };
  const headers = {
    ...input.extraHeaders,
    'content-type': 'application/json',
    'user-agent': `claude-code-server/${VERSION}`,
    'content-length': String(Buffer.byteLength(input.payload)),
    ...signatureHeaders(input.secret, input.webhookId, input.nowSeconds, input.payload),
  };
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<SendOutcome>((resolve) => {
    const request = transport.request(url, { method: 'POST', headers, lookup: pinned, timeout: input.timeoutMs }, (response) => {
      let received = 0;
      // Drain (a little of) the body so the socket is released; what the receiver says is not needed.
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_RESPONSE_BYTES) response.destroy();
      });
      response.on('close', () => {
        const status = response.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        resolve({ ok, statusCode: status, error: ok ? null : `receiver answered ${status}`, retryable: true });
      });
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${input.timeoutMs} ms`)));
    request.on('error', (error) => resolve({ ok: false, statusCode: null, error: error.message, retryable: true }));
    request.end(input.payload);
  });
}
