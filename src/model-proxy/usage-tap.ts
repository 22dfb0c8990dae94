import type { IncomingHttpHeaders } from 'node:http';
import zlib from 'node:zlib';
import { JsonUsageScanner } from './json-usage.js';
import { costUsd, EMPTY_USAGE, mergeUsage, type ModelUsage } from './model-prices.js';
import { SseUsageParser } from './sse-usage.js';

/** A copy of a response's bytes goes in; the response's cost comes out as it becomes known. */
export interface UsageTap {
  write(chunk: Buffer): void;
  /** The response ended (completely or not). */
  end(): void;
  /** What the response has been seen to cost so far. */
  readonly costUsd: number;
  /** False when nothing of the response could be priced (no usage in it, or an unknown encoding). */
  readonly metered: boolean;
  /** The model the response named, and the usage it reported so far (for traces). */
  readonly model: string | null;
  readonly usage: ModelUsage;
}

/**
 * Reads the cost of one model response from the bytes relayed to the agent. A stream is priced
 * as it goes: message_start brings the prompt's tokens (charged at once, whatever happens to
 * the rest), each message_delta the output so far. `onCost` gets every increase, so a task's
 * spend grows while the answer streams, not only when it ends.
 */
export function usageTap(headers: IncomingHttpHeaders, onCost: (deltaUsd: number) => void): UsageTap {
  let model: string | null = null;
  let usage: ModelUsage = EMPTY_USAGE;
  let charged = 0;
  let metered = false;
  const price = (raw: unknown, modelName: string | null): void => {
    if (modelName !== null) model = modelName;
    usage = mergeUsage(usage, raw);
    metered = true;
    const cost = costUsd(model, usage);
    if (cost > charged) {
      onCost(cost - charged);
      charged = cost;
    }
  };

  const contentType = String(headers['content-type'] ?? '').toLowerCase();
  let sink: { write(chunk: Buffer): void; end(): void };
  if (contentType.startsWith('text/event-stream')) {
    const parser = new SseUsageParser(({ type, data }) => {
      const event = data as { message?: { model?: unknown; usage?: unknown }; usage?: unknown };
      if (type === 'message_start') price(event.message?.usage, typeof event.message?.model === 'string' ? event.message.model : null);
      else price(event.usage, null);
    });
    sink = parser;
  } else {
    const scanner = new JsonUsageScanner();
    sink = {
      write: (chunk) => scanner.write(chunk),
      end: () => {
        const found = scanner.result();
        if (found.usage !== undefined) price(found.usage, found.model);
      },
    };
  }
  const decoded = decoderFor(headers['content-encoding'], sink);
  return {
    write: (chunk) => decoded?.write(chunk),
    end: () => decoded?.end(),
    get costUsd() {
      return charged;
    },
    get metered() {
      return metered;
    },
    get model() {
      return model;
    },
    get usage() {
      return usage;
    },
  };
}

/**
 * The proxy asks the model for uncompressed answers (upstream.ts), but a server may compress
 * anyway; the meter then reads a decompressed copy. An encoding it cannot read leaves the
 * response unmetered (null).
 */
function decoderFor(
  encoding: string | string[] | undefined,
  sink: { write(chunk: Buffer): void; end(): void },
): { write(chunk: Buffer): void; end(): void } | null {
  const name = String(encoding ?? 'identity')
    .toLowerCase()
    .trim();
  if (name === 'identity' || name === '') return sink;
  const stream =
    name === 'gzip' || name === 'x-gzip'
      ? zlib.createGunzip()
      : name === 'deflate'
        ? zlib.createInflate()
        : name === 'br'
          ? zlib.createBrotliDecompress()
          : null;
  if (stream === null) return null;
  stream.on('data', (chunk: Buffer) => sink.write(chunk));
  stream.on('error', () => undefined);
  stream.once('end', () => sink.end());
  return { write: (chunk) => stream.write(chunk), end: () => stream.end() };
}
