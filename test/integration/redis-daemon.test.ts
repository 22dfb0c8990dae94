import { afterEach, describe, expect, it } from 'vitest';
import { request, waitFor } from '../helpers/client.js';
import { startDaemon, type DaemonProcess } from '../helpers/daemon-process.js';
import { freePort, RedisProcess } from '../helpers/redis-process.js';

describe('the daemon with STORAGE_TYPE=redis', () => {
  let daemon: DaemonProcess | undefined;
  let redis: RedisProcess | undefined;

  afterEach(async () => {
    await daemon?.stop('SIGKILL');
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
});
