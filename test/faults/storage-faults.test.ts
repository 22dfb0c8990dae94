import { existsSync, readdirSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectEvents, request, waitFor, waitForStatus } from '../helpers/client.js';
import { scrape, sampleValue } from '../helpers/prometheus.js';
import { readSse } from '../helpers/sse.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { fillDisk, freeDisk, mountTmpfs } from './tmpfs.js';

const inline = (steps: unknown[]): string => `[[script:${JSON.stringify({ steps })}]]`;
/** The model answers after a pause, so the disk can be filled while the task runs. */
const SLOW_TOOL_TASK = inline([
  { delay_ms: 3000, tool: { name: 'Bash', input: { command: 'echo storage-fault', description: 'Say something' } } },
  { text: 'done' },
]);

const mountDir = path.join(mkdtempSync(path.join(tmpdir(), 'ccs-fault-disk-')), 'disk');
const mounted = mountTmpfs(mountDir, 4 * 1024 * 1024);
const skipReason = 'skipReason' in mounted ? mounted.skipReason : null;
if (skipReason) console.warn(`storage-faults skipped: ${skipReason}`);

describe.skipIf(skipReason !== null)('a full disk under the database (tmpfs)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      STORAGE_SQLITE_PATH: path.join(mountDir, 'ccs.db'),
      STORAGE_PROBE_INTERVAL_SECONDS: '1',
      WARM_POOL_SIZE: '0',
    });
  });
  afterAll(async () => {
    await server?.close();
    if ('unmount' in mounted) mounted.unmount();
    rmSync(path.dirname(mountDir), { recursive: true, force: true });
  });

  it('ends the running task failed with STORAGE_UNAVAILABLE, ends its streams, refuses submits with 507, and recovers once space is freed', async () => {
    const accepted = await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'disk-full', prompt: SLOW_TOOL_TASK });
    expect(accepted.status).toBe(201);
    const ws = collectEvents(`${server.wsBase}/ws/tasks/disk-full`, 60_000);
    const sse = readSse(`${server.baseUrl}/api/v1/tasks/disk-full/events`);
    await waitForStatus(server.baseUrl, 'disk-full', ['running']);

    const filler = fillDisk(mountDir);
    try {
      // Streams end with error + complete even though neither could be stored.
      const { events } = await ws;
      expect(events.at(-2)).toMatchObject({ type: 'error', data: { code: 'STORAGE_UNAVAILABLE' } });
      expect(events.at(-1)).toMatchObject({ type: 'complete', data: { status: 'failed' } });
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      const sseEvents = (await sse).events;
      expect(sseEvents.at(-1)).toMatchObject({ type: 'complete', data: { status: 'failed' } });
      // A page of history reads as the streams do: the events held in memory while the disk is full are in it.
      const page = await request<{ events: Array<{ type: string; seq: number }> }>(
        server.baseUrl,
        'GET',
        '/api/v1/tasks/disk-full/events?format=json&limit=1000',
      );
      expect(page.body.events.map((e) => [e.seq, e.type])).toEqual(events.map((e) => [e.seq, e.type]));

      const task = await request(server.baseUrl, 'GET', '/api/v1/tasks/disk-full');
      expect(task.body).toMatchObject({ status: 'failed', error: { code: 'STORAGE_UNAVAILABLE' } });

      const health = await request(server.baseUrl, 'GET', '/health');
      // 503, so a load balancer routes new work elsewhere; the body says why.
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({
        status: 'degraded',
        active_tasks: 0,
        storage: { type: 'sqlite', status: 'down', code: 'STORAGE_FULL', since: expect.any(String) },
      });
      expect((health.body.storage as { pending_writes: number }).pending_writes).toBeGreaterThan(0);
      expect(String(health.body.reason)).toMatch(/SQLITE_FULL/);
      await waitFor(async () => ((await request(server.baseUrl, 'GET', '/health')).body.agent_processes as { busy: number }).busy === 0);

      const refused = await request(server.baseUrl, 'POST', '/api/v1/tasks', { prompt: 'hello' });
      expect(refused.status).toBe(507);
      expect(refused.body).toMatchObject({ error: { code: 'STORAGE_FULL' } });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

      const samples = await scrape(server.metricsUrl);
      expect(sampleValue(samples, 'storage_available')).toBe(0);
      expect(sampleValue(samples, 'storage_pending_writes')).toBeGreaterThan(0);
      // The WAL index is in the heap: no memory-mapped -shm file that a full disk could turn into SIGBUS.
      expect(readdirSync(mountDir).filter((f) => f.endsWith('-shm'))).toEqual([]);
    } finally {
      freeDisk(filler);
    }

    // Recovery without a restart: the probe notices, the held writes are stored, submits work again.
    await waitFor(async () => (await request(server.baseUrl, 'GET', '/health')).body.status === 'healthy', 30_000, 200);
    await waitFor(async () => server.storageHealth.pendingWrites === 0);
    const stored = await server.store.getTask('disk-full');
    expect(stored).toMatchObject({ status: 'failed', error: { code: 'STORAGE_UNAVAILABLE' } });
    const history = await request<{ events: Array<{ type: string; seq: number }> }>(
      server.baseUrl,
      'GET',
      '/api/v1/tasks/disk-full/events?format=json&limit=1000',
    );
    expect(history.body.events.at(-1)?.type).toBe('complete');
    expect(history.body.events.map((e) => e.seq)).toEqual(history.body.events.map((_, i) => i + 1));
    expect(sampleValue(await scrape(server.metricsUrl), 'storage_available')).toBe(1);

    const after = await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'after-recovery', prompt: 'hello again' });
    expect(after.status).toBe(201);
    const done = await waitForStatus(server.baseUrl, 'after-recovery', ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(existsSync(path.join(mountDir, 'ccs.db-shm'))).toBe(false);
  });
});
