import type { ServerResponse } from 'node:http';
import type { OutBlock, OutMessage } from './wire.js';

// Small deltas so clients see real incremental streaming (partial messages, text deltas).
const TEXT_CHUNK = 24;
const JSON_CHUNK = 32;
const PING_EVERY_MS = 5_000;

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Writes one SSE event in the API's framing: a named event whose data repeats the type. */
function writeEvent(res: ServerResponse, type: string, data: Record<string, unknown>): void {
  if (res.writableEnded || res.destroyed) return;
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

function startedBlock(block: OutBlock): Record<string, unknown> {
  // Like the API: a block starts empty and its content arrives as deltas.
  return block.type === 'text' ? { type: 'text', text: '' } : { type: 'tool_use', id: block.id, name: block.name, input: {} };
}

function writeBlock(res: ServerResponse, block: OutBlock, index: number): void {
  writeEvent(res, 'content_block_start', { index, content_block: startedBlock(block) });
  if (block.type === 'text') {
    for (const text of chunks(block.text, TEXT_CHUNK)) {
      writeEvent(res, 'content_block_delta', { index, delta: { type: 'text_delta', text } });
    }
  } else {
    for (const partial_json of chunks(JSON.stringify(block.input), JSON_CHUNK)) {
      writeEvent(res, 'content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } });
    }
  }
  writeEvent(res, 'content_block_stop', { index });
}

/** Resolves true after `ms`, or false as soon as `signal` aborts (the timer is cleared). */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Streams `message` as the API's SSE sequence. During `delayMs` the stream is open and pings
 * flow, as while a real model thinks; `signal` (client gone, server closing) stops everything.
 */
export async function streamMessage(res: ServerResponse, message: OutMessage, delayMs: number, signal: AbortSignal): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const { usage } = message;
  writeEvent(res, 'message_start', {
    message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } },
  });
  writeEvent(res, 'ping', {});
  let remaining = delayMs;
  while (remaining > 0) {
    const step = Math.min(remaining, PING_EVERY_MS);
    if (!(await sleep(step, signal))) return;
    remaining -= step;
    writeEvent(res, 'ping', {});
  }
  if (signal.aborted) return;
  message.content.forEach((block, index) => writeBlock(res, block, index));
  writeEvent(res, 'message_delta', {
    delta: { stop_reason: message.stop_reason, stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  writeEvent(res, 'message_stop', {});
  res.end();
}
