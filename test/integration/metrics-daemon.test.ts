import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/client.js';
import { startDaemon, type DaemonProcess } from '../helpers/daemon-process.js';
import { sampleValue, scrape } from '../helpers/prometheus.js';

/** main.ts's wiring: the metrics port is started after the API, logged, and closed on SIGTERM. */
describe('the daemon’s metrics port', () => {
  let daemon: DaemonProcess;
  let metricsUrl: string;
  beforeAll(async () => {
    // No task runs here, so the model address is never called.
    daemon = await startDaemon({ CLAUDE_API_KEY: 'sk-test', CLAUDE_BASE_URL: 'http://127.0.0.1:9', STORAGE_TYPE: 'memory', WARM_POOL_SIZE: '0' });
    const started = daemon
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.message === 'Server started');
    expect(started?.metrics_port).toEqual(expect.any(Number));
    expect(started?.metrics_port).not.toBe(0);
    metricsUrl = `http://127.0.0.1:${String(started?.metrics_port)}/metrics`;
  });
  afterAll(async () => {
    await daemon?.stop('SIGKILL');
  });

  it('serves /metrics there and not on the API port', async () => {
    expect((await request(daemon.baseUrl, 'GET', '/health')).status).toBe(200);
    const samples = await scrape(metricsUrl);
    expect(sampleValue(samples, 'http_requests_total', { method: 'GET', route: '/health', status_code: '200' })).toBe(1);
    expect(sampleValue(samples, 'active_sessions')).toBe(0);
    expect((await request(daemon.baseUrl, 'GET', '/metrics')).status).toBe(404);
  });

  it('closes it on SIGTERM', async () => {
    expect(await daemon.stop('SIGTERM')).toBe(0);
    await expect(fetch(metricsUrl)).rejects.toThrow();
  });
});

describe('METRICS_AUTH_TOKEN', () => {
  const TOKEN = 'metrics-token-8c1f2e9a7b';
  let daemon: DaemonProcess;
  let metricsUrl: string;
  beforeAll(async () => {
    daemon = await startDaemon({
      CLAUDE_API_KEY: 'sk-test',
      CLAUDE_BASE_URL: 'http://127.0.0.1:9',
      STORAGE_TYPE: 'memory',
      WARM_POOL_SIZE: '0',
      METRICS_AUTH_TOKEN: TOKEN,
    });
    const started = daemon
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.message === 'Server started');
    metricsUrl = `http://127.0.0.1:${String(started?.metrics_port)}/metrics`;
  });
  afterAll(async () => {
    await daemon?.stop('SIGKILL');
  });

  it('refuses a scrape without the token or with a wrong one (401, WWW-Authenticate), on every path', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      { authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}` },
      { authorization: TOKEN },
      { 'x-api-key': TOKEN },
    ];
    for (const headers of attempts) {
      const response = await fetch(metricsUrl, { headers });
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="metrics"/);
      expect(await response.text()).not.toContain('http_requests_total');
    }
    expect((await fetch(metricsUrl.replace('/metrics', '/other'))).status).toBe(401);
  });

  it('serves the metrics with the right Bearer token', async () => {
    const response = await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('http_requests_total');
  });

  it('never logs the token', () => {
    expect(daemon.stdout() + daemon.stderr()).not.toContain(TOKEN);
  });

  it('refuses to start with a token shorter than 16 characters', async () => {
    const { loadConfig, ConfigError } = await import('../../src/config.js');
    expect(() => loadConfig({ CLAUDE_API_KEY: 'k', METRICS_AUTH_TOKEN: 'short' })).toThrow(ConfigError);
    expect(loadConfig({ CLAUDE_API_KEY: 'k' }).metricsAuthToken).toBeUndefined();
  });
});
