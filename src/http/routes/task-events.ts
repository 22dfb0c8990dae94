import type { FastifyInstance, FastifyReply } from 'fastify';
import { ApiError } from '../../errors.js';
import type { EventSink, EventStream } from '../../events/event-stream.js';
import type { TaskEvent } from '../../events/event-types.js';
import type { Logger } from '../../observability/logger.js';
import type { TaskService } from '../../tasks/task-service.js';
import { errorResponse, operation, refTo, urlOf } from '../openapi/operation.js';
import { eventPageSchema } from '../response-schemas.js';
import { eventsHttpQuerySchema, lastEventIdSchema } from '../schemas.js';
import { validate } from '../validate.js';
import { publicEvent } from '../views.js';
import { startSse } from '../sse-start.js';

const HEARTBEAT_MS = 15_000;

interface Params {
  task_id: string;
}

export const AFTER_HELP = 'Only events with a greater `seq` (resume after the last one you have).';

export const TASK_EVENTS_OPERATION = operation({
  method: 'get',
  path: '/api/v1/tasks/{task_id}/events',
  id: 'getTaskEvents',
  summary: "A task's events: Server-Sent Events, or a page of history as JSON",
  description:
    'Default: Server-Sent Events, each frame `id: <seq>` and `data: <TaskEvent>`; replays stored events after `Last-Event-ID` ' +
    '(or `?after`), follows live ones and ends after `complete`. With `?format=json`: one page of the stored history.',
  tags: ['events'],
  query: {
    schema: eventsHttpQuerySchema,
    help: {
      after: AFTER_HELP,
      format: '`sse` (default): a live Server-Sent Events stream. `json`: one page of the stored history.',
      limit: 'With `format=json`: the page size.',
    },
  },
  headers: [
    {
      name: 'Last-Event-ID',
      in: 'header',
      required: false,
      description: 'Resume after this `seq` (EventSource sends it on reconnect). Takes precedence over `after`.',
      schema: { type: 'string', pattern: '^\\d{1,15}$' },
    },
  ],
  responses: {
    '200': {
      description: 'The event stream, or with `format=json` a page of events.',
      content: {
        'text/event-stream': {
          schema: {
            type: 'string',
            description: 'Frames `id: <seq>` + `data: <TaskEvent as JSON>` (see the TaskEvent schema); comment lines are heartbeats.',
          },
        },
        'application/json': { schema: refTo(eventPageSchema) },
      },
    },
    '204': { description: 'SSE: the client already has `complete`; nothing more will come (EventSource stops reconnecting).' },
    '400': errorResponse('VALIDATION_ERROR: a bad `after`, `format`, `limit` or `Last-Event-ID`, or (SSE) a seq the task has no event for.'),
    '404': errorResponse('TASK_NOT_FOUND.'),
  },
});

function sseSink(reply: FastifyReply): EventSink {
  const raw = reply.raw;
  let lastWrite: Promise<void> = Promise.resolve();
  return {
    send: (event: TaskEvent) => {
      const frame = `id: ${event.seq}\ndata: ${JSON.stringify(publicEvent(event))}\n\n`;
      lastWrite = new Promise((resolve) => raw.write(frame, () => resolve()));
    },
    buffered: () => raw.writableLength,
    flushed: () => lastWrite,
  };
}

/**
 * `GET /api/v1/tasks/{id}/events`: the same stream as the WebSocket as Server-Sent Events
 * (resuming from `Last-Event-ID`, which EventSource sends on reconnect), or with
 * `?format=json` a page of the stored history.
 */
export function registerTaskEventRoutes(app: FastifyInstance, deps: { tasks: TaskService; stream: EventStream; logger: Logger }): void {
  app.get<{ Params: Params }>(urlOf(TASK_EVENTS_OPERATION), async (request, reply) => {
    const query = validate(eventsHttpQuerySchema, request.query, 'query');
    const lastEventId = request.headers['last-event-id'];
    const resumeFrom = typeof lastEventId === 'string' && lastEventId !== '' ? validate(lastEventIdSchema, lastEventId, 'query') : undefined;
    const clientTaskId = request.params.task_id;
    const taskId = (await deps.tasks.get(request.tenant, clientTaskId)).task_id;
    const after = resumeFrom ?? query.after ?? 0;

    if (query.format === 'json') {
      const events = await deps.stream.page(taskId, after, query.limit + 1);
      const page = events.slice(0, query.limit);
      return {
        task_id: clientTaskId,
        events: page.map(publicEvent),
        next_after: page.at(-1)?.seq ?? after,
        has_more: events.length > query.limit,
      };
    }

    if (await deps.stream.isPastEnd(taskId, after)) {
      throw new ApiError('VALIDATION_ERROR', `Task ${clientTaskId} has no event ${after}: resume after the last seq you received`);
    }
    // 204 tells EventSource the stream is over, so it stops reconnecting after `complete`.
    if (await deps.stream.alreadyComplete(taskId, after)) return reply.code(204).send();

    const raw = startSse(request, reply);
    raw.write(': stream start\n\n');
    const closed = new AbortController();
    const heartbeat = setInterval(() => raw.write(': ping\n\n'), HEARTBEAT_MS);
    raw.on('close', () => closed.abort());

    const end = await deps.stream.run(taskId, after, sseSink(reply), closed.signal);
    clearInterval(heartbeat);
    if (end.reason === 'slow_consumer') {
      deps.logger.warn('Slow SSE consumer closed', { task_id: taskId, request_id: request.id, last_seq: end.lastSeq });
    } else if (end.reason === 'error') {
      deps.logger.error('Event stream failed', { task_id: taskId, error: end.error });
    }
    raw.end();
  });
}
