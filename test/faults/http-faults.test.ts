import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitFor } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const BIG = 12 * 1024 * 1024;
const ROUNDS = 15;

/**
 * POSTs `size` bytes with http.request and waits until the whole exchange is over (the request
 * closed): a client sees the answer only if nothing went wrong while it was still sending, so an
 * EPIPE or ECONNRESET at any point counts, even one after the response arrived.
 */
function postWithHttpRequest(baseUrl: string, size: number, chunked: boolean): Promise<{ status: number; code: string; errors: string[] }> {
  const url = new URL('/api/v1/tasks', baseUrl);
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json' };
    if (!chunked) headers['content-length'] = size;
    const errors: string[] = [];
    let status = 0;
    let text = '';
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, agent: false }, (res) => {
      status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', (error: NodeJS.ErrnoException) => errors.push(`response: ${error.code ?? error.message}`));
    });
    req.on('error', (error: NodeJS.ErrnoException) => errors.push(`request: ${error.code ?? error.message}`));
    req.on('close', () => {
      let code = '';
      try {
        code = (JSON.parse(text) as { error: { code: string } }).error.code;
      } catch {
        // no (complete) answer
      }
      resolve({ status, code, errors });
    });
    const chunk = Buffer.alloc(256 * 1024, 'x');
    let sent = 0;
    const pump = (): void => {
      while (sent < size && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** A raw socket that sends a request one byte at a time; resolves with what the server answered and when it closed. */
function slowSender(baseUrl: string, head: string, intervalMs: number): Promise<{ answer: string; bytesSent: number }> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let answer = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < head.length && socket.writable) socket.write(head[sent++]!);
    }, intervalMs);
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => (answer += data));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, bytesSent: sent });
    });
  });
}

describe('bad and slow HTTP clients', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ WARM_POOL_SIZE: '0', SERVER_HEADERS_TIMEOUT_SECONDS: '2', SERVER_REQUEST_TIMEOUT_SECONDS: '3' });
  });
  afterAll(async () => server?.close());

  it(`answers every oversized fetch body with 413 BODY_TOO_LARGE (${ROUNDS} rounds of 12 MiB)`, async () => {
    const body = 'x'.repeat(BIG);
    for (let i = 0; i < ROUNDS; i++) {
      const response = await request(server.baseUrl, 'POST', '/api/v1/tasks', body);
      expect(response.status).toBe(413);
      expect(response.body).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } });
    }
  });

  it.each([
    ['with a Content-Length', false],
    ['chunked', true],
  ])(`answers every oversized http.request body %s with 413, never EPIPE or ECONNRESET (${ROUNDS} rounds)`, async (_name, chunked) => {
    for (let i = 0; i < ROUNDS; i++) {
      await expect(postWithHttpRequest(server.baseUrl, BIG, chunked)).resolves.toEqual({ status: 413, code: 'BODY_TOO_LARGE', errors: [] });
    }
  });

  it('cuts a client that sends its headers a byte at a time, answering 408 REQUEST_TIMEOUT', async () => {
    const head = 'GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: ' + 'y'.repeat(200) + '\r\n\r\n';
    const { answer, bytesSent } = await slowSender(server.baseUrl, head, 100);
    expect(bytesSent).toBeLessThan(head.length);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"REQUEST_TIMEOUT"');
  });

  it('cuts a client that sends its body a byte at a time', async () => {
    const body = JSON.stringify({ prompt: 'p'.repeat(300) });
    const head = `POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const url = new URL(server.baseUrl);
    const result = await new Promise<{ answer: string; bytesSent: number }>((resolve) => {
      const socket = net.connect(Number(url.port), url.hostname, () => socket.write(head));
      let answer = '';
      let sent = 0;
      const timer = setInterval(() => {
        if (sent < body.length && socket.writable) socket.write(body[sent++]!);
      }, 100);
      socket.setEncoding('utf8');
      socket.on('data', (data: string) => (answer += data));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ answer, bytesSent: sent });
      });
    });
    expect(result.bytesSent).toBeLessThan(body.length);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('stays healthy afterwards', async () => {
    const health = await request(server.baseUrl, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('healthy');
  });
});

describe('SERVER_MAX_CONNECTIONS', () => {
  const CAP = 4;
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ WARM_POOL_SIZE: '0', SERVER_MAX_CONNECTIONS: String(CAP) });
  });
  afterAll(async () => server?.close());

  /** A connection that has made one request and is kept alive, idle. */
  function heldConnection(): Promise<net.Socket> {
    const url = new URL(server.baseUrl);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname, () => socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'));
      socket.once('data', () => resolve(socket));
      socket.once('error', reject);
    });
  }

  it('answers connections beyond the cap with 503 TOO_MANY_CONNECTIONS and Retry-After, and serves again once some close', async () => {
    await waitFor(async () => server.connections?.open() === 0);
    const held = await Promise.all(Array.from({ length: CAP }, () => heldConnection()));
    try {
      expect(server.connections?.open()).toBe(CAP);
      const refused = await fetch(`${server.baseUrl}/health`);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toMatchObject({ error: { code: 'TOO_MANY_CONNECTIONS' } });
      const refusedPost = await request(server.baseUrl, 'POST', '/api/v1/tasks', { prompt: 'x'.repeat(100_000) });
      expect(refusedPost.status).toBe(503);
    } finally {
      for (const socket of held) socket.destroy();
    }
    await waitFor(async () => (server.connections?.open() ?? CAP) < CAP);
    const health = await request(server.baseUrl, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('healthy');
  });
});
