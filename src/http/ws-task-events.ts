import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { ApiError, DomainError } from '../errors.js';
import type { EventSink, EventStream } from '../events/event-stream.js';
import type { TaskEvent } from '../events/event-types.js';
import { WS_CLOSE } from '../events/ws-close-codes.js';
import type { Logger } from '../observability/logger.js';
import { StorageUnavailableError } from '../storage/storage-unavailable.js';
import type { TaskService } from '../tasks/task-service.js';
import { sendApiError } from './error-handler.js';
import { toApiError } from './error-mapping.js';
import { errorResponse, operation, urlOf } from './openapi/operation.js';
import { AFTER_HELP } from './routes/task-events.js';
import { eventsQuerySchema } from './schemas.js';
import { validate } from './validate.js';
import { publicEvent } from './views.js';
import { internalId } from '../tenancy/tenant.js';

const PING_INTERVAL_MS = 30_000;

export const TASK_EVENTS_WEBSOCKET_OPERATION = operation({
  method: 'get',
  path: '/ws/tasks/{task_id}',
  id: 'taskEventsWebSocket',
  summary: "WebSocket: a task's events, replayed then live",
  description: [
    'Upgrade to a WebSocket (`ws://host/ws/tasks/{task_id}`). Each text message is one `TaskEvent` as JSON.',
    'The server replays the stored events from the start (or after `?after=<seq>`), streams live ones, and closes',
    'with code 1000 once the single `complete` event is sent. Close codes: 1000 complete; 1001 server shutting down;',
    '1011 internal error; 4008 slow consumer (reconnect with `?after=<last seq received>`; nothing is lost).',
    'Messages from the client are ignored. An unknown task or a bad `after` is refused at the upgrade with a plain',
    'HTTP error in the usual shape; with auth enabled the key is checked at the upgrade (`X-API-Key` or Bearer).',
  ].join(' '),
  tags: ['events'],
  query: {
    schema: eventsQuerySchema,
    help: { after: AFTER_HELP, ticket: 'A ticket from POST /api/v1/ws-tickets, instead of a key header (browsers).' },
  },
  responses: {
    '101': { description: 'Switching protocols; then one TaskEvent (see its schema) per text message.' },
    '400': errorResponse('VALIDATION_ERROR: a bad `after`, or a seq the task has no event for.'),
    '401': errorResponse('UNAUTHORIZED: no key, a wrong key, or a used or expired ticket.'),
    '404': errorResponse('TASK_NOT_FOUND.'),
  },
});

interface WsParams {
  task_id: string;
}
interface WsQuery {
  after?: string;
}

function webSocketSink(socket: WebSocket): EventSink {
  let lastWrite: Promise<void> = Promise.resolve();
  return {
    send: (event: TaskEvent) => {
      lastWrite = new Promise((resolve) => socket.send(JSON.stringify(publicEvent(event)), () => resolve()));
    },
    buffered: () => socket.bufferedAmount,
    flushed: () => lastWrite,
  };
}

export function registerTaskEventsWebSocket(
  app: FastifyInstance,
  deps: { tasks: TaskService; stream: EventStream; sockets: Set<WebSocket>; logger: Logger },
): void {
  app.route<{ Params: WsParams; Querystring: WsQuery }>({
    method: 'GET',
    url: urlOf(TASK_EVENTS_WEBSOCKET_OPERATION),
    // Runs before the upgrade: an unknown task or a bad `after` is refused with a plain HTTP error.
    preValidation: async (request, reply) => {
      try {
        const { after } = validate(eventsQuerySchema, request.query, 'query');
        const task = await deps.tasks.get(request.tenant, request.params.task_id);
        if (after !== undefined && (await deps.stream.isPastEnd(task.task_id, after))) {
          throw new ApiError('VALIDATION_ERROR', `Task ${request.params.task_id} has no event ${after}: resume after the last seq you received`);
        }
      } catch (error) {
        // Storage outages go on to the error handler, which logs them.
        if (error instanceof DomainError && !(error instanceof StorageUnavailableError)) return sendApiError(reply, toApiError(error));
        throw error;
      }
    },
    // A plain GET (no Upgrade header) gets the error shape, not the plugin's empty 404.
    handler: async () => {
      throw new ApiError('NOT_FOUND', 'This is a WebSocket endpoint: connect with an Upgrade: websocket request');
    },
    wsHandler: (socket, request) => {
      const taskId = internalId(request.tenant.id, request.params.task_id);
      const { after } = validate(eventsQuerySchema, request.query, 'query');
      deps.sockets.add(socket);
      const closed = new AbortController();
      const ping = setInterval(() => socket.ping(), PING_INTERVAL_MS);
      socket.on('close', () => {
        clearInterval(ping);
        closed.abort();
        deps.sockets.delete(socket);
      });
      socket.on('error', () => socket.terminate());
      // Clients only listen; anything they send is ignored rather than treated as an error.
      socket.on('message', () => undefined);

      void deps.stream.run(taskId, after ?? 0, webSocketSink(socket), closed.signal).then((end) => {
        if (socket.readyState !== socket.OPEN) return;
        switch (end.reason) {
          case 'complete':
            return socket.close(WS_CLOSE.COMPLETE, 'complete');
          case 'slow_consumer':
            deps.logger.warn('Slow WebSocket consumer closed', { task_id: taskId, request_id: request.id, last_seq: end.lastSeq });
            return socket.close(WS_CLOSE.SLOW_CONSUMER, `slow consumer; reconnect with ?after=<last seq received>`);
          case 'stopped':
            return socket.close(WS_CLOSE.SERVER_SHUTDOWN, 'server shutting down');
          case 'error':
            deps.logger.error('Event stream failed', { task_id: taskId, error: end.error });
            return socket.close(WS_CLOSE.INTERNAL_ERROR, 'internal error; reconnect with ?after=<last seq received>');
        }
      });
    },
  });
}
