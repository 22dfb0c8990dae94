import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const KEY = 'rate-limit-test-key-0123456789';
const LIMIT = 5;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** A request from a chosen loopback address (127.0.0.x), so one test can be several clients. */
function call(baseUrl: string, method: string, path: string, headers: Record<string, string> = {}, localAddress = '127.0.0.1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(baseUrl + path, { method, headers, localAddress, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = text === '' ? null : JSON.parse(text);
        } catch {
          // leave as text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function upgrade(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    socket.on('open', () => {
      socket.close();
      resolve({ status: 101, headers: {}, body: '' });
    });
    socket.on('error', reject);
  });
}

function expectRateLimited(answer: Answer): void {
  expect(answer.status).toBe(429);
  expect(answer.body).toEqual({ error: { code: 'RATE_LIMITED', message: expect.stringContaining(`${LIMIT} requests per minute`) } });
  const retryAfter = Number(answer.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(answer.headers['x-ratelimit-limit']).toBe(String(LIMIT));
  expect(answer.headers['x-ratelimit-remaining']).toBe('0');
  expect(Number(answer.headers['x-ratelimit-reset'])).toBe(retryAfter);
  expect(answer.headers['x-request-id']).toEqual(expect.any(String));
}

describe('rate limiting with auth: per accepted key, otherwise per client IP', () => {
  let server: TestServer;
  const withKey = { 'X-API-Key': KEY };
  beforeAll(async () => {
    server = await startTestServer({
      API_RATE_LIMIT_ENABLED: 'true',
      API_RATE_LIMIT_PER_MINUTE: String(LIMIT),
      API_AUTH_ENABLED: 'true',
      API_API_KEY: KEY,
    });
  });
  afterAll(async () => server?.close());

  it('counts down in x-ratelimit-* headers, then answers 429 RATE_LIMITED with Retry-After', async () => {
    for (let i = 1; i <= LIMIT; i++) {
      const ok = await call(server.baseUrl, 'GET', '/api/v1/tasks', withKey);
      expect(ok.status).toBe(200);
      expect(ok.headers['x-ratelimit-limit']).toBe(String(LIMIT));
      expect(ok.headers['x-ratelimit-remaining']).toBe(String(LIMIT - i));
      const reset = Number(ok.headers['x-ratelimit-reset']);
      expect(reset).toBeGreaterThan(0);
      expect(reset).toBeLessThanOrEqual(60);
    }
    expectRateLimited(await call(server.baseUrl, 'GET', '/api/v1/tasks', withKey));
    // Every route shares the caller's budget, the Bearer form of the key included.
    expectRateLimited(await call(server.baseUrl, 'GET', '/api/v1/sessions', { Authorization: `Bearer ${KEY}` }));
    expectRateLimited(await call(server.baseUrl, 'POST', '/api/v1/tasks/nope/interrupt', withKey));
  });

  it('refuses the WebSocket upgrade too, with the same 429', async () => {
    const refused = await upgrade(`${server.wsBase}/ws/tasks/whatever`, withKey);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('keeps the key’s budget apart from the IP’s: requests without a valid key still get 401', async () => {
    const noKey = await call(server.baseUrl, 'GET', '/api/v1/tasks');
    expect(noKey.status).toBe(401);
    expect(noKey.headers['x-ratelimit-remaining']).toBe(String(LIMIT - 1));
  });

  it('throttles wrong keys per IP (a fresh wrong key is no fresh budget), and each IP on its own', async () => {
    for (let i = 2; i <= LIMIT; i++) {
      const wrong = await call(server.baseUrl, 'GET', '/api/v1/tasks', { 'X-API-Key': `wrong-${i}` });
      expect(wrong.status).toBe(401);
      expect(wrong.headers['x-ratelimit-remaining']).toBe(String(LIMIT - i));
    }
    expectRateLimited(await call(server.baseUrl, 'GET', '/api/v1/tasks', { 'X-API-Key': 'yet-another-wrong-key' }));
    expectRateLimited(await call(server.baseUrl, 'GET', '/no/such/route'));
    // Another client address has its whole budget.
    const other = await call(server.baseUrl, 'GET', '/api/v1/tasks', {}, '127.0.0.2');
    expect(other.status).toBe(401);
    expect(other.headers['x-ratelimit-remaining']).toBe(String(LIMIT - 1));
  });

  it('never limits /health, and adds no rate-limit headers to it', async () => {
    for (let i = 0; i < LIMIT * 3; i++) {
      const health = await call(server.baseUrl, 'GET', '/health');
      expect(health.status).toBe(200);
      expect(health.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });

  it('counts the 429s in http_requests_total', async () => {
    const text = await (await fetch(server.metricsUrl)).text();
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/api\/v1\/tasks",status_code="429"\} [1-9]/m);
  });
});

describe('rate limiting without auth: per client IP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ API_RATE_LIMIT_ENABLED: 'true', API_RATE_LIMIT_PER_MINUTE: String(LIMIT) });
  });
  afterAll(async () => server?.close());

  it('ignores presented keys (they are not verified), so rotating them does not dodge the limit', async () => {
    for (let i = 1; i <= LIMIT; i++) {
      const ok = await call(server.baseUrl, 'GET', '/api/v1/sessions', { 'X-API-Key': `key-${i}` });
      expect(ok.status).toBe(200);
      expect(ok.headers['x-ratelimit-remaining']).toBe(String(LIMIT - i));
    }
    expectRateLimited(await call(server.baseUrl, 'GET', '/api/v1/sessions', { 'X-API-Key': 'key-new' }));
    expect((await call(server.baseUrl, 'GET', '/api/v1/sessions', {}, '127.0.0.3')).status).toBe(200);
    expect((await call(server.baseUrl, 'GET', '/health')).status).toBe(200);
  });
});

describe('rate limiting disabled', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ API_RATE_LIMIT_ENABLED: 'false', API_RATE_LIMIT_PER_MINUTE: '1' });
  });
  afterAll(async () => server?.close());

  it('lets everything through without rate-limit headers', async () => {
    for (let i = 0; i < 5; i++) {
      const ok = await call(server.baseUrl, 'GET', '/api/v1/tasks');
      expect(ok.status).toBe(200);
      expect(ok.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });
});
