import type { Config } from '../config.js';
import type { Redactor } from '../observability/redact.js';
import type { Module } from '../server/module.js';
import type { Store } from '../storage/store.js';
import type { EventBus } from './event-bus.js';
import { EventLog } from './event-log.js';
import { EventStream } from './event-stream.js';

export interface EventsApi {
  /** Every task's events, stored in order (seq). */
  log: EventLog;
  /** Live subscribers (WebSocket, SSE), each with a bounded buffer. */
  stream: EventStream;
}

export function createEventsModule(deps: { config: Config; store: Store; now: () => Date; redact: Redactor; bus: EventBus | null }): Module<EventsApi> {
  const log = new EventLog(deps.store, deps.now, deps.redact, deps.bus ?? undefined);
  const stream = new EventStream(log, {
    maxBufferedBytes: deps.config.streams.maxBufferedBytes,
    stallTimeoutMs: deps.config.streams.stallTimeoutSeconds * 1000,
  });
  return { api: { log, stream } };
}
