import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { JsonUsageScanner } from '../../src/model-proxy/json-usage.js';
import { costUsd, EMPTY_USAGE, mergeUsage, ratesFor, type ModelUsage } from '../../src/model-proxy/model-prices.js';
import { SseUsageParser } from '../../src/model-proxy/sse-usage.js';
import { TaskMeter } from '../../src/model-proxy/task-meter.js';
import { usageTap } from '../../src/model-proxy/usage-tap.js';

const usage = (fields: Partial<ModelUsage>): ModelUsage => ({ ...EMPTY_USAGE, ...fields });

/** A stream as the Messages API sends it, with a multi-byte character and CRLF line ends in places. */
const STREAM = [
  'event: message_start\r\n',
  'data: {"type":"message_start","message":{"id":"msg_1","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":1200,"cache_creation_input_tokens":300,"cache_read_input_tokens":5000,"output_tokens":1}}}\r\n\r\n',
  'event: ping\ndata: {"type":"ping"}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"héllo ✓ wörld"}}\n\n',
  ': a comment line\n',
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":640}}\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
].join('');

function parseAll(chunks: Buffer[]): { type: string; data: unknown }[] {
  const seen: { type: string; data: unknown }[] = [];
  const parser = new SseUsageParser((event) => seen.push(event));
  for (const chunk of chunks) parser.write(chunk);
  parser.end();
  return seen;
}

describe('SseUsageParser', () => {
  const whole = Buffer.from(STREAM, 'utf8');
  const expected = parseAll([whole]);

  it('finds message_start and message_delta, and nothing else', () => {
    expect(expected.map((e) => e.type)).toEqual(['message_start', 'message_delta']);
    expect((expected[0]!.data as { message: { usage: { input_tokens: number } } }).message.usage.input_tokens).toBe(1200);
    expect((expected[1]!.data as { usage: { output_tokens: number } }).usage.output_tokens).toBe(640);
  });

  it('gives the same events however the stream is split into two chunks (every byte boundary)', () => {
    for (let cut = 0; cut <= whole.length; cut++) {
      expect(parseAll([whole.subarray(0, cut), whole.subarray(cut)]), `cut at ${cut}`).toEqual(expected);
    }
  });

  it('gives the same events when every byte is a chunk of its own', () => {
    expect(parseAll([...whole].map((b) => Buffer.from([b])))).toEqual(expected);
  });

  it('reads events without an event: line by the type in their data, and lone CR line ends', () => {
    const bare = 'data: {"type":"message_delta","usage":{"output_tokens":7}}\r\rdata: {"type":"ping"}\n\n';
    expect(parseAll([Buffer.from(bare)])).toEqual([{ type: 'message_delta', data: { type: 'message_delta', usage: { output_tokens: 7 } } }]);
  });

  it('skips lines too long to be a usage event without keeping them', () => {
    const huge = `event: message_delta\ndata: {"pad":"${'x'.repeat(2 * 1024 * 1024)}"}\n\nevent: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":3}}\n\n`;
    expect(parseAll([Buffer.from(huge)]).map((e) => (e.data as { usage: unknown }).usage)).toEqual([{ output_tokens: 3 }]);
  });
});

describe('JsonUsageScanner', () => {
  const body = JSON.stringify({
    id: 'msg_1',
    type: 'message',
    model: 'claude-haiku-4-5-20251001',
    content: [
      { type: 'text', text: 'a "usage": {"input_tokens": 999999} inside a string, and {nested} [brackets] \\ ✓' },
      { type: 'tool_use', input: { usage: { input_tokens: 5 } } },
    ],
    usage: { input_tokens: 42, output_tokens: 17, cache_creation: { ephemeral_1h_input_tokens: 3 } },
  });

  it('finds the top-level model and usage only, at every split', () => {
    const whole = Buffer.from(body, 'utf8');
    for (let cut = 0; cut <= whole.length; cut++) {
      const scanner = new JsonUsageScanner();
      scanner.write(whole.subarray(0, cut));
      scanner.write(whole.subarray(cut));
      expect(scanner.result(), `cut at ${cut}`).toEqual({
        model: 'claude-haiku-4-5-20251001',
        usage: { input_tokens: 42, output_tokens: 17, cache_creation: { ephemeral_1h_input_tokens: 3 } },
      });
    }
  });

  it('finds nothing in an error body or in what is not JSON', () => {
    for (const text of ['{"type":"error","error":{"type":"overloaded_error","message":"usage"}}', 'not json at all', '']) {
      const scanner = new JsonUsageScanner();
      scanner.write(Buffer.from(text));
      expect(scanner.result().usage).toBeUndefined();
    }
  });
});

describe('model prices', () => {
  it('prices per million tokens, cache writes at 1.25x input (2x for 1 hour), cache reads at 0.1x', () => {
    // Sonnet 4.5: $3 in, $15 out.
    const cost = costUsd('claude-sonnet-4-5-20250929', usage({ input_tokens: 1_000_000, output_tokens: 1_000_000 }));
    expect(cost).toBeCloseTo(18, 10);
    expect(costUsd('claude-sonnet-4-5', usage({ cache_creation_input_tokens: 1_000_000 }))).toBeCloseTo(3.75, 10);
    expect(costUsd('claude-sonnet-4-5', usage({ cache_creation_input_tokens: 1_000_000, cache_write_1h_tokens: 1_000_000 }))).toBeCloseTo(6, 10);
    expect(costUsd('claude-sonnet-4-5', usage({ cache_read_input_tokens: 1_000_000 }))).toBeCloseTo(0.3, 10);
    expect(costUsd('claude-haiku-4-5', usage({ input_tokens: 1_000_000, output_tokens: 1_000_000 }))).toBeCloseTo(6, 10);
    expect(costUsd('claude-opus-4-1-20250805', usage({ input_tokens: 1_000_000 }))).toBeCloseTo(15, 10);
    expect(costUsd('claude-opus-4-5', usage({ output_tokens: 1_000_000 }))).toBeCloseTo(25, 10);
  });

  it('matches what the CLI charged for the scripted model default (claude-opus-5-5: $4 in, $20 out)', () => {
    expect(costUsd('claude-opus-5-5', usage({ input_tokens: 7898, output_tokens: 121 }))).toBeCloseTo(0.034012, 10);
  });

  it('prices a model it does not know, or none, like the dearest model', () => {
    const dearest = ratesFor('claude-opus-4-1');
    for (const name of ['free-model', 'claude-sonnet-4-5-mini', 'claude-haiku', '', null]) expect(ratesFor(name)).toEqual(dearest);
    expect(ratesFor('CLAUDE-HAIKU-4-5')).toEqual(ratesFor('claude-haiku-4-5'));
  });

  it('adds fast mode, US-only inference, web searches and long prompts', () => {
    const base = usage({ input_tokens: 1_000_000 });
    expect(costUsd('claude-haiku-4-5', { ...base, speed: 'fast' })).toBeCloseTo(30, 10);
    expect(costUsd('claude-haiku-4-5', { ...base, inference_geo: 'us' })).toBeCloseTo(1.1, 10);
    expect(costUsd('claude-haiku-4-5', usage({ web_search_requests: 3 }))).toBeCloseTo(0.03, 10);
    expect(costUsd('claude-haiku-5-5', usage({ input_tokens: 100_000 }))).toBeCloseTo(0.01, 10);
    expect(costUsd('claude-haiku-5-5', usage({ input_tokens: 100_001 }))).toBeCloseTo(0.0500005, 10);
  });

  it('merges cumulative usage: a field only grows, and junk is ignored', () => {
    let known = mergeUsage(EMPTY_USAGE, { input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 4 });
    known = mergeUsage(known, { output_tokens: 50, input_tokens: 'lots', cache_read_input_tokens: -1 });
    known = mergeUsage(known, { output_tokens: 20, server_tool_use: { web_search_requests: 2 } });
    expect(known).toEqual(usage({ input_tokens: 10, output_tokens: 50, cache_read_input_tokens: 4, web_search_requests: 2 }));
    expect(mergeUsage(known, null)).toBe(known);
  });
});

describe('usageTap', () => {
  it('charges the prompt at message_start and the output as message_delta reports it', () => {
    const charges: number[] = [];
    const tap = usageTap({ 'content-type': 'text/event-stream; charset=utf-8' }, (usd) => charges.push(usd));
    const [head, tail] = STREAM.split('event: message_delta');
    tap.write(Buffer.from(head!));
    const atStart = costUsd(
      'claude-sonnet-4-5',
      usage({ input_tokens: 1200, cache_creation_input_tokens: 300, cache_read_input_tokens: 5000, output_tokens: 1 }),
    );
    expect(charges).toHaveLength(1);
    expect(charges[0]).toBeCloseTo(atStart, 12);
    tap.write(Buffer.from(`event: message_delta${tail!}`));
    tap.end();
    const total = costUsd(
      'claude-sonnet-4-5',
      usage({ input_tokens: 1200, cache_creation_input_tokens: 300, cache_read_input_tokens: 5000, output_tokens: 640 }),
    );
    expect(tap.costUsd).toBeCloseTo(total, 12);
    expect(charges.reduce((a, b) => a + b, 0)).toBeCloseTo(total, 12);
    expect(tap.metered).toBe(true);
  });

  it('reads a gzip-compressed JSON answer, and says when an answer had no usage', async () => {
    const tap = usageTap({ 'content-type': 'application/json', 'content-encoding': 'gzip' }, () => undefined);
    tap.write(gzipSync(JSON.stringify({ model: 'claude-haiku-4-5', usage: { input_tokens: 1_000_000 } })));
    tap.end();
    // Decompression ends asynchronously.
    await vi.waitFor(() => expect(tap.costUsd).toBeCloseTo(1, 10));
    const empty = usageTap({ 'content-type': 'application/json' }, () => undefined);
    empty.write(Buffer.from('{"input_tokens": 12}'));
    empty.end();
    expect(empty.metered).toBe(false);
  });
});

describe('TaskMeter', () => {
  it('counts per task, refuses at the budget, cuts running calls and tells the listener once', () => {
    const meter = new TaskMeter();
    const over: [string, number][] = [];
    meter.onOverBudget((taskId, spent) => over.push([taskId, spent]));
    meter.open('a', 1);
    meter.open('b', null);
    const first = meter.begin('a')!;
    const second = meter.begin('a')!;
    const other = meter.begin('b')!;
    first.charge(0.6);
    other.charge(5);
    expect(meter.admits('a')).toBe(true);
    expect(second.signal.aborted).toBe(false);
    second.charge(0.5);
    expect(meter.spentUsd('a')).toBeCloseTo(1.1, 10);
    expect(first.signal.aborted && second.signal.aborted).toBe(true);
    expect(first.signal.reason).toBe('budget_spent');
    expect(other.signal.aborted).toBe(false);
    expect(meter.admits('a')).toBe(false);
    expect(meter.admits('b')).toBe(true);
    expect(over).toEqual([['a', 1.1]]);
    expect(meter.close('a')).toBeCloseTo(1.1, 10);
    expect(meter.close('b')).toBe(5);
    expect(other.signal.reason).toBe('task_ended');
    // Late bytes of a closed task, or a task never opened, count nowhere.
    first.charge(1);
    expect(meter.spentUsd('a')).toBe(0);
    expect(meter.begin('never-opened')).toBeNull();
    expect(meter.admits('never-opened')).toBe(true);
  });
});
