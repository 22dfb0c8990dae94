import type { FastifyReply, FastifyRequest } from 'fastify';
import { startSse } from '../../sse-start.js';
import type { AguiEvent } from './agui-events.js';

const HEARTBEAT_MS = 15_000;

/** The response as an AG-UI event stream: one `data:` frame per event (what HttpAgent parses). */
export interface AguiSse {
  write(event: AguiEvent): Promise<void>;
  queuedBytes(): number;
  /** Aborted when the client goes away. */
  closed: AbortSignal;
  end(): void;
}

export function openAguiSse(request: FastifyRequest, reply: FastifyReply): AguiSse {
  const raw = startSse(request, reply);
  const closed = new AbortController();
  // 'close' on the response fires both when we end it and when the client hangs up first.
  raw.on('close', () => {
    if (!raw.writableFinished) closed.abort();
  });
  const heartbeat = setInterval(() => raw.write(': ping\n\n'), HEARTBEAT_MS);
  return {
    write: (event) =>
      new Promise((resolve) => {
        if (raw.destroyed) return resolve();
        raw.write(`data: ${JSON.stringify(event)}\n\n`, () => resolve());
      }),
    queuedBytes: () => raw.writableLength,
    closed: closed.signal,
    end: () => {
      clearInterval(heartbeat);
      raw.end();
    },
  };
}
