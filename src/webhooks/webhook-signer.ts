import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the signature is
 * `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`. A secret written as `whsec_<base64>`
 * is the base64-decoded key, as the specification's libraries expect; any other string is used
 * as its UTF-8 bytes.
 */
export function secretKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

export function signatureHeaders(secret: string, webhookId: string, timestampSeconds: number, body: string): Record<string, string> {
  const signed = `${webhookId}.${timestampSeconds}.${body}`;
  const signature = createHmac('sha256', secretKey(secret)).update(signed).digest('base64');
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${signature}`,
  };
}
