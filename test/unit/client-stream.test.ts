import { describe, expect, it } from 'vitest';
import { CcsClient, CcsConnectionError, type TaskEvent, type WebSocketConstructor, type WebSocketLike } from '../../packages/client/src/index.js';

/**
 * The reconnect rules of `tasks.stream()` with a scripted WebSocket: each connection plays a
 * list of frames and then closes with a code. The real-daemon version of these checks is
 * test/client/client.test.ts; here the server misbehaves on purpose (replays, gaps).
 */

const event = (seq: number, type: TaskEvent['type'] = 'message'): TaskEvent =>
  (type === 'complete'
    ? {
        seq,
        task_id: 't',
        type,
        timestamp: '2026-01-01T00:00:00.000Z',
        data: { status: 'completed', result: 'ok', usage: { input_tokens: 0, output_tokens: 0 }, num_turns: 1, cost_usd: 0, duration_ms: 1 },
      }
    : { seq, task_id: 't', type: 'message', timestamp: '2026-01-01T00:00:00.000Z', data: { role: 'assistant', text: `m${seq}` } }) as TaskEvent;

interface Script {
  frames: TaskEvent[];
  close: number;
  open?: boolean;
}

function scriptedWebSocket(scripts: Script[], urls: string[]): WebSocketConstructor {
  return class implements WebSocketLike {
    onopen: WebSocketLike['onopen'] = null;
    onmessage: WebSocketLike['onmessage'] = null;
    onclose: WebSocketLike['onclose'] = null;
    onerror: WebSocketLike['onerror'] = null;
    constructor(url: string) {
      urls.push(url);
      const script = scripts.shift() ?? { frames: [], close: 1006, open: false };
      setTimeout(() => {
        if (script.open !== false) this.onopen?.({});
        for (const frame of script.frames) this.onmessage?.({ data: JSON.stringify(frame) });
        this.onclose?.({ code: script.close, reason: '' });
      }, 1);
    }
    close(): void {}
  };
}

async function collect(client: CcsClient, options: Parameters<CcsClient['tasks']['stream']>[1] = {}): Promise<number[]> {
  const seqs: number[] = [];
  for await (const e of client.tasks.stream('t', { reconnectDelayMs: 1, ...options })) seqs.push(e.seq);
  return seqs;
}

describe('tasks.stream() reconnects', () => {
  it('resumes after the last seq, skipping replayed events', async () => {
    const urls: string[] = [];
    const WebSocket = scriptedWebSocket(
      [
        { frames: [event(1), event(2)], close: 1006 },
        // A server that replays more than asked: 2 again, then new ones.
        { frames: [event(2), event(3)], close: 4008 },
        { frames: [event(4), event(5, 'complete')], close: 1000 },
      ],
      urls,
    );
    const client = new CcsClient({ baseUrl: 'http://127.0.0.1:1', WebSocket });
    expect(await collect(client)).toEqual([1, 2, 3, 4, 5]);
    expect(urls.map((u) => new URL(u).search)).toEqual(['?after=0', '?after=2', '?after=3']);
    expect(urls[0]).toMatch(/^ws:\/\/127\.0\.0\.1:1\/ws\/tasks\/t\?/);
  });

  it('never yields past a gap: it reconnects after the last seq it has', async () => {
    const urls: string[] = [];
    const WebSocket = scriptedWebSocket(
      [
        { frames: [event(1), event(3)], close: 1006 },
        { frames: [event(2), event(3, 'complete')], close: 1000 },
      ],
      urls,
    );
    const client = new CcsClient({ baseUrl: 'http://127.0.0.1:1', WebSocket });
    expect(await collect(client)).toEqual([1, 2, 3]);
    expect(new URL(urls[1]!).searchParams.get('after')).toBe('1');
  });

  it('gives up with CcsConnectionError after maxReconnectAttempts connections without progress', async () => {
    const urls: string[] = [];
    const reconnects: number[] = [];
    const WebSocket = scriptedWebSocket([{ frames: [event(1)], close: 1006 }], urls);
    // Port 9 refuses connections: the HTTP probe after a failed upgrade cannot reach it either.
    const client = new CcsClient({ baseUrl: 'http://127.0.0.1:9', WebSocket });
    const error = await collect(client, { maxReconnectAttempts: 3, onReconnect: (i) => reconnects.push(i.attempt) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CcsConnectionError);
    expect(reconnects).toEqual([1, 2, 3]);
    expect(urls).toHaveLength(4);
  });

  it('a close with 1000 before `complete` (caller already had it) ends the stream', async () => {
    const client = new CcsClient({ baseUrl: 'http://127.0.0.1:1', WebSocket: scriptedWebSocket([{ frames: [], close: 1000 }], []) });
    expect(await collect(client, { after: 9 })).toEqual([]);
  });

  it('an aborted signal rejects with its reason', async () => {
    const client = new CcsClient({ baseUrl: 'http://127.0.0.1:1', WebSocket: scriptedWebSocket([], []) });
    const reason = new Error('stop');
    await expect(collect(client, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});
