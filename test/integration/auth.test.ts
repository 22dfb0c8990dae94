import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, upgradeStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import WebSocket from 'ws';

const KEY = 'server-api-key-0123456789abcdef';

describe('API key authentication (API_AUTH_ENABLED=true)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ API_AUTH_ENABLED: 'true', API_API_KEY: KEY });
  });
  afterAll(async () => server?.close());

  const routes: [string, string][] = [
    ['GET', '/api/v1/tasks'],
    ['POST', '/api/v1/tasks'],
    ['GET', '/api/v1/tasks/x'],
    ['POST', '/api/v1/tasks/x/interrupt'],
    ['GET', '/api/v1/sessions'],
    ['GET', '/api/v1/sessions/x'],
    ['DELETE', '/api/v1/sessions/x'],
    ['GET', '/api/v1/tasks/x/events'],
    ['POST', '/api/v1/ws-tickets'],
    ['GET', '/openapi.json'],
    ['GET', '/docs'],
  ];

  it('leaves /health open', async () => {
    expect((await request(server.baseUrl, 'GET', '/health')).status).toBe(200);
  });

  it.each(routes)('%s %s needs the key', async (method, path) => {
    const refused: Record<string, string>[] = [{}, { 'x-api-key': 'wrong' }, { 'x-api-key': KEY + 'x' }, { authorization: 'Bearer nope' }];
    for (const headers of refused) {
      const { status, body } = await request(server.baseUrl, method, path, method === 'POST' ? { prompt: 'hi' } : undefined, headers);
      expect(status).toBe(401);
      expect(body).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    }
    const accepted: Record<string, string>[] = [{ 'x-api-key': KEY }, { authorization: `Bearer ${KEY}` }];
    for (const headers of accepted) {
      const { status } = await request(server.baseUrl, method, path, method === 'POST' && path === '/api/v1/tasks' ? { prompt: '' } : undefined, headers);
      expect(status).not.toBe(401);
    }
  });

  it('checks the key at the WebSocket upgrade', async () => {
    expect(await upgradeStatus(`${server.wsBase}/ws/tasks/x`)).toBe(401);
    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`${server.wsBase}/ws/tasks/x`, { headers: { 'x-api-key': KEY } });
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('open', () => resolve(101));
      socket.on('error', reject);
    });
    expect(status).toBe(404);
  });
});
