import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StreamFrame } from './a2a-event-view.js';
import type { FrameOutput } from './task-stream.js';
import { startSse } from '../../sse-start.js';

const HEARTBEAT_MS = 15_000;

export interface SseResponse {
  out: FrameOutput;
  /** Aborted when the client goes away. */
  closed: AbortSignal;
  /** Whether anything was sent: before that, an error is still an ordinary HTTP answer. */
  started(): boolean;
  /** Sends a last frame (an error) and ends the response. */
  end(lastFrame?: string): void;
}

/**
 * A lazily opened Server-Sent Events answer: `encode` turns a frame into the binding's `data:`
 * (a JSON-RPC response, or the bare StreamResponse). Each frame carries `id: <seq>` of the event
 * it came from, so a client can resume with Last-Event-ID.
 */
export function sseResponse(request: FastifyRequest, reply: FastifyReply, encode: (frame: StreamFrame) => string): SseResponse {
  const raw = reply.raw;
  const closed = new AbortController();
  let heartbeat: NodeJS.Timeout | undefined;
  let lastWrite: Promise<void> = Promise.resolve();
  let open = false;
  raw.on('close', () => closed.abort());
  const start = (): void => {
    if (open) return;
    open = true;
    startSse(request, reply);
    heartbeat = setInterval(() => raw.write(': ping\n\n'), HEARTBEAT_MS);
  };
  const write = (text: string): void => {
    start();
    lastWrite = new Promise((resolve) => raw.write(text, () => resolve()));
  };
  return {
    out: {
      write: (frame) => write(`id: ${frame.seq}\ndata: ${encode(frame)}\n\n`),
      buffered: () => raw.writableLength,
      flushed: () => lastWrite,
    },
    closed: closed.signal,
    started: () => open,
    end: (lastFrame) => {
      clearInterval(heartbeat);
      if (lastFrame !== undefined && !raw.destroyed) write(lastFrame);
      raw.end();
    },
  };
}
