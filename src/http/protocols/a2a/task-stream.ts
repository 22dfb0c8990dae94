import type { EventSink } from '../../../events/event-stream.js';
import type { TaskEvent } from '../../../events/event-types.js';
import type { Services } from '../../../server/services.js';
import type { Task } from '../../../tasks/task-types.js';
import { externalId, type Tenant } from '../../../tenancy/tenant.js';
import { framesOf, type StreamFrame } from './a2a-event-view.js';

/** Where a stream's frames go (an SSE response), paced by what the client has taken. */
export interface FrameOutput {
  write(frame: StreamFrame): void;
  buffered(): number;
  flushed(): Promise<void>;
}

type StreamDeps = Pick<Services, 'tasks' | 'stream'>;

/**
 * Streams a task's events after `afterSeq` as A2A frames, from the durable log (replay, then live),
 * until `complete`: the same path as the REST and WebSocket streams, so it neither gaps nor repeats.
 */
export async function streamTask(deps: StreamDeps, tenant: Tenant, task: Task, afterSeq: number, out: FrameOutput, signal: AbortSignal): Promise<void> {
  let complete: TaskEvent | undefined;
  const sink: EventSink = {
    send: (event) => {
      // Its frames need the final record (artifacts), which is read once the stream has ended.
      if (event.type === 'complete') complete = event;
      else for (const frame of framesOf(event, task)) out.write(frame);
    },
    buffered: () => out.buffered(),
    flushed: () => out.flushed(),
  };
  const end = await deps.stream.run(task.task_id, afterSeq, sink, signal);
  if (end.reason === 'error') throw end.error;
  if (complete) {
    const final = await deps.tasks.get(tenant, externalId(task.task_id));
    for (const frame of framesOf(complete, final)) out.write(frame);
    await out.flushed();
  }
}

/**
 * Waits until the task stops for the client: it ends, or asks for an approval after `afterSeq`
 * (a blocking SendMessage). Read from the durable log, so it works whichever instance runs the task.
 */
export async function waitForPause(deps: StreamDeps, task: Task, afterSeq: number, signal: AbortSignal): Promise<void> {
  const paused = new AbortController();
  const sink: EventSink = {
    send: (event) => {
      if (event.type === 'complete' || event.type === 'permission_request') paused.abort();
    },
    buffered: () => 0,
    flushed: () => Promise.resolve(),
  };
  const end = await deps.stream.run(task.task_id, afterSeq, sink, AbortSignal.any([signal, paused.signal]));
  if (end.reason === 'error') throw end.error;
}

/** The seq of the task's latest event (0 for none): a stream after it shows only what comes next. */
export async function lastSeqOf(deps: StreamDeps, taskId: string): Promise<number> {
  let last = 0;
  for (;;) {
    const page = await deps.stream.page(taskId, last, 500);
    if (page.length === 0) return last;
    last = page.at(-1)!.seq;
  }
}
