import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectEvents, request, waitFor, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('a slow consumer is cut off while the others stay on time', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ STREAM_MAX_BUFFERED_BYTES: '262144', STREAM_STALL_TIMEOUT_SECONDS: '1' });
  });
  afterAll(async () => server?.close());

  it('closes a WebSocket client that stops reading with 4008, and it can resume by seq', async () => {
    await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'flood', prompt: '[[script:slow]]' });
    await waitForStatus(server.baseUrl, 'flood', ['running']);

    // A client that connects and then never reads from its socket.
    const stuck = new WebSocket(`${server.wsBase}/ws/tasks/flood`);
    const stuckClosed = new Promise<number>((resolve) => stuck.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => stuck.on('open', () => resolve()));
    (stuck as unknown as { _socket: { pause(): void } })._socket.pause();

    const healthy = collectEvents(`${server.wsBase}/ws/tasks/flood`, 60_000);
    // A burst far larger than socket buffers: 40 MB of tool output.
    const chunk = 'x'.repeat(200_000);
    for (let i = 0; i < 200; i++) {
      await server.events.append('flood', { type: 'tool_result', data: { tool_use_id: `t${i}`, content: chunk, is_error: false } });
    }
    await request(server.baseUrl, 'POST', '/api/v1/tasks/flood/interrupt');
    const { events, closeCode } = await healthy;
    expect(closeCode).toBe(1000);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)?.type).toBe('complete');
    // The server gives up on the stuck client after its stall timeout; only then does it read again.
    await waitFor(async () => server.logs.some((l) => l.message === 'Slow WebSocket consumer closed'), 30_000);
    (stuck as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await stuckClosed).toBe(4008);

    const resumed = await collectEvents(`${server.wsBase}/ws/tasks/flood?after=150`);
    expect(resumed.events.map((e) => e.seq)).toEqual(events.slice(150).map((e) => e.seq));
    expect(server.stream.subscriberCount).toBe(0);
    expect(server.logs.some((l) => l.message === 'Slow WebSocket consumer closed')).toBe(true);
  });
});
