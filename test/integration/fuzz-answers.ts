/** Sends one fuzz case (fuzz-cases.ts) to the server, and judges its answer. */
import http from 'node:http';
import { ERROR_CATALOGUE } from '../../src/errors.js';
import type { Case } from './fuzz-cases.js';

export interface Outcome {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export function send(baseUrl: string, c: Case): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    const req = http.request({ host: url.hostname, port: url.port, method: c.method, path: c.path, headers: c.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // A server may answer (413) and close before a huge body is fully sent; the answer is what counts.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? undefined : reject(error)));
    req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
    req.end(c.body);
  });
}

/** Why an answer is wrong, or undefined when it is fine. */
export function problemWith(c: Case, outcome: Outcome): string | undefined {
  if (outcome.status >= 500) return `status ${outcome.status}`;
  if (c.method === 'POST' && c.path.split('?')[0] === '/api/v1/tasks' && outcome.status < 300) return `a task was accepted (${outcome.status})`;
  if (outcome.status < 400 || c.method === 'HEAD') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(outcome.text);
  } catch {
    return `error body is not JSON: ${JSON.stringify(outcome.text.slice(0, 100))}`;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (typeof error?.code !== 'string' || typeof error.message !== 'string') return `error body has the wrong shape: ${outcome.text.slice(0, 200)}`;
  const known = ERROR_CATALOGUE[error.code as keyof typeof ERROR_CATALOGUE];
  if (!known) return `unknown error code ${error.code}`;
  if (known.status !== outcome.status) return `code ${error.code} came with status ${outcome.status}, not ${known.status}`;
  return undefined;
}
