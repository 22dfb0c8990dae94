import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: { type: string; timestamp: string; data: Record<string, unknown> };
  answeredWith: number;
}

/**
 * A webhook receiver on loopback. `answer` decides each response's status (by 1-based
 * attempt number), so a test can make it fail a few times before it succeeds.
 */
export async function startWebhookReceiver(answer: (attempt: number) => number = () => 204) {
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const status = answer(received.length + 1);
      received.push({ headers: request.headers, body, json: JSON.parse(body) as ReceivedWebhook['json'], answeredWith: status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/ccs`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Verifies a delivery the way a Standard Webhooks receiver does, written independently of the
 * server's signer: HMAC-SHA256 over "<id>.<timestamp>.<body>" with the base64 key after "whsec_".
 */
export function verifyStandardWebhook(secret: string, hook: Pick<ReceivedWebhook, 'headers' | 'body'>): boolean {
  const id = String(hook.headers['webhook-id']);
  const timestamp = String(hook.headers['webhook-timestamp']);
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${hook.body}`).digest('base64');
  return String(hook.headers['webhook-signature'])
    .split(' ')
    .some((part) => part === `v1,${expected}`);
}
