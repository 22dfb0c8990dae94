import { describe, expect, it } from 'vitest';
import { EventLog } from '../../src/events/event-log.js';
import { EventStream, type EventSink } from '../../src/events/event-stream.js';
import type { TaskEvent } from '../../src/events/event-types.js';
import { MemoryStore } from '../../src/backends/memory/memory-store.js';

const message = (text: string) => ({ type: 'message' as const, data: { role: 'assistant' as const, text } });
const complete = {
  type: 'complete' as const,
  data: { status: 'completed' as const, result: 'ok', usage: { input_tokens: 1, output_tokens: 1 }, num_turns: 1, cost_usd: 0, duration_ms: 1 },
};

function recordingSink(options: { stalled?: boolean; buffered?: number } = {}): EventSink & { events: TaskEvent[] } {
  const events: TaskEvent[] = [];
  return {
    events,
    send: (event) => events.push(event),
    buffered: () => options.buffered ?? 0,
    flushed: () => (options.stalled ? new Promise<void>(() => undefined) : Promise.resolve()),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('EventLog', () => {
  it('numbers events from 1 per task, in order, even when appends are not awaited', async () => {
    const log = new EventLog(new MemoryStore());
    const appended = await Promise.all([log.append('t', message('a')), log.append('t', message('b')), log.append('u', message('c'))]);
    expect(appended.map((e) => [e.task_id, e.seq])).toEqual([
      ['t', 1],
      ['t', 2],
      ['u', 1],
    ]);
  });

  it('continues numbering from the store after forget()', async () => {
    const log = new EventLog(new MemoryStore());
    await log.append('t', message('a'));
    log.forget('t');
    expect((await log.append('t', message('b'))).seq).toBe(2);
  });
});

describe('EventStream', () => {
  const limits = { maxBufferedBytes: 1000, stallTimeoutMs: 50 };

  it('replays history after afterSeq, follows live events with no gap or duplicate, and ends at complete', async () => {
    const log = new EventLog(new MemoryStore());
    const stream = new EventStream(log, limits);
    for (let i = 1; i <= 5; i++) await log.append('t', message(`m${i}`));
    const sink = recordingSink();
    const ended = stream.run('t', 2, sink, new AbortController().signal);
    // Appends racing with the replay must neither be lost nor delivered twice.
    void log.append('t', message('m6'));
    void log.append('t', message('m7'));
    await tick();
    await log.append('t', message('m8'));
    await log.append('t', complete);
    await log.append('t', message('after complete'));
    expect(await ended).toEqual({ reason: 'complete', lastSeq: 9 });
    expect(sink.events.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(stream.subscriberCount).toBe(0);
  });

  it('ends at once when the subscriber already has the complete event', async () => {
    const log = new EventLog(new MemoryStore());
    const stream = new EventStream(log, limits);
    await log.append('t', message('a'));
    await log.append('t', complete);
    const sink = recordingSink();
    expect(await stream.run('t', 2, sink, new AbortController().signal)).toEqual({ reason: 'complete', lastSeq: 2 });
    expect(sink.events).toEqual([]);
  });

  it('cuts off a subscriber that stops reading, without holding up another one', async () => {
    const log = new EventLog(new MemoryStore());
    const stream = new EventStream(log, { maxBufferedBytes: 1000, stallTimeoutMs: 200 });
    const stalled = recordingSink({ stalled: true });
    const healthy = recordingSink();
    const stalledEnd = stream.run('t', 0, stalled, new AbortController().signal);
    const healthyEnd = stream.run('t', 0, healthy, new AbortController().signal);
    const order: string[] = [];
    void stalledEnd.then(() => order.push('stalled'));
    void healthyEnd.then(() => order.push('healthy'));
    await log.append('t', message('a'));
    await log.append('t', complete);
    expect(await healthyEnd).toEqual({ reason: 'complete', lastSeq: 2 });
    expect((await stalledEnd).reason).toBe('slow_consumer');
    expect(order).toEqual(['healthy', 'stalled']);
  });

  it('sends nothing more while a subscriber is over the bound, and cuts it off if it stays there', async () => {
    const log = new EventLog(new MemoryStore());
    const stream = new EventStream(log, limits);
    await log.append('t', message('a'));
    const sink = recordingSink({ buffered: 5000, stalled: true });
    const end = await stream.run('t', 0, sink, new AbortController().signal);
    expect(end).toEqual({ reason: 'slow_consumer', lastSeq: 0 });
    expect(sink.events).toEqual([]);
  });

  it('stops when the client leaves or the server stops', async () => {
    const log = new EventLog(new MemoryStore());
    const stream = new EventStream(log, limits);
    const left = new AbortController();
    const leaving = stream.run('t', 0, recordingSink(), left.signal);
    const staying = stream.run('t', 0, recordingSink(), new AbortController().signal);
    await tick();
    left.abort();
    expect((await leaving).reason).toBe('stopped');
    stream.stopAll();
    expect((await staying).reason).toBe('stopped');
  });
});
