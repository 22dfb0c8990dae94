import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request, waitFor } from '../helpers/client.js';
import { startDaemon, type DaemonProcess } from '../helpers/daemon-process.js';
import { freePort, RedisProcess } from '../helpers/redis-process.js';

describe('the daemon with STORAGE_TYPE=redis', () => {
  let daemon: DaemonProcess | undefined;
  let redis: RedisProcess | undefined;
  let model: ScriptedModel | undefined;

  afterEach(async () => {
    await daemon?.stop('SIGKILL');
    // After the daemon: its agents' connections to the model would hold the model's close.
    await model?.close();
    model = undefined;
    await redis?.close();
  });

  it('started before Redis, it waits (without crashing), then serves once Redis is up; SIGTERM exits 0', async () => {
    const port = await freePort();
    daemon = await startDaemon(
      {
        CLAUDE_API_KEY: 'test-key-0123456789',
        STORAGE_TYPE: 'redis',
        STORAGE_REDIS_HOST: '127.0.0.1',
        STORAGE_REDIS_PORT: String(port),
        INSTANCE_ID: 'daemon-1',
        WARM_POOL_SIZE: '0',
      },
      { waitForListen: false },
    );
    await waitFor(async () => daemon!.stdout().includes('Waiting for Redis'), 20_000);
    expect(daemon.child.exitCode).toBeNull();
    expect(daemon.stdout()).not.toContain('Server started');

    redis = await RedisProcess.startOn(port);
    await waitFor(async () => daemon!.stdout().includes('Server started'), 30_000);
    const health = await request(daemon.baseUrl, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'healthy', instance_id: 'daemon-1', storage: { type: 'redis', status: 'up' } });
    const listed = await request(daemon.baseUrl, 'GET', '/api/v1/tasks');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ tasks: [], next_cursor: null });
    expect(await daemon.stop('SIGTERM')).toBe(0);
    expect(daemon.stderr()).not.toMatch(/Fatal|Unhandled/);
  });

  it('stops with exit code 0 on SIGTERM while still waiting for Redis', async () => {
    daemon = await startDaemon(
      { CLAUDE_API_KEY: 'test-key-0123456789', STORAGE_TYPE: 'redis', STORAGE_REDIS_PORT: String(await freePort()), WARM_POOL_SIZE: '0' },
      { waitForListen: false },
    );
    await waitFor(async () => daemon!.stdout().includes('Waiting for Redis'), 20_000);
    expect(await daemon.stop('SIGTERM')).toBe(0);
    expect(daemon.stdout()).toContain('Signal received during start-up; stopping');
  });

  it('opens exactly two Redis connections, one for every part and one subscribed, whatever it has done', async () => {
    redis = await RedisProcess.start();
    model = await startScriptedModel();
    const apiKey = 'redis-daemon-key-0123456789';
    daemon = await startDaemon({
      CLAUDE_API_KEY: 'test-key-0123456789',
      CLAUDE_BASE_URL: model.url,
      STORAGE_TYPE: 'redis',
      STORAGE_REDIS_URL: redis.url,
      STORAGE_REDIS_PREFIX: 'conns',
      INSTANCE_ID: 'daemon-2',
      API_AUTH_ENABLED: 'true',
      API_API_KEY: apiKey,
      API_RATE_LIMIT_ENABLED: 'true',
      API_RATE_LIMIT_PER_MINUTE: '100000',
      WARM_POOL_SIZE: '0',
    });
    const auth = { 'x-api-key': apiKey };
    // Store, events, transcripts, queue, rate limit (every request) and tickets all get used.
    const submit = await request(daemon.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'conn-task', prompt: '[[script:bash]][[cmd:echo hi]]' }, auth);
    expect(submit.status).toBe(201);
    let status = 'queued';
    await waitFor(async () => {
      status = (await request<{ status: string }>(daemon!.baseUrl, 'GET', '/api/v1/tasks/conn-task', undefined, auth)).body.status;
      return status !== 'queued' && status !== 'running';
    }, 30_000);
    expect((await request(daemon.baseUrl, 'POST', '/api/v1/ws-tickets', undefined, auth)).status).toBe(201);

    const probe = createClient({ url: redis.url });
    await probe.connect();
    try {
      const ownId = String(await probe.sendCommand(['CLIENT', 'ID']));
      const list = String(await probe.sendCommand(['CLIENT', 'LIST']));
      const others = list
        .trim()
        .split('\n')
        .map((line) => Object.fromEntries(line.split(' ').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])))
        .filter((client) => client.id !== ownId);
      expect(others.map((client) => client.name).sort()).toEqual(['conns:daemon-2:main', 'conns:daemon-2:sub']);
    } finally {
      await probe.close();
    }
    expect(status).toBe('completed');
    expect(await daemon.stop('SIGTERM')).toBe(0);
  });
});
