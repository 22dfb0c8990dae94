import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { ApiError } from '../errors.js';
import type { EventLog } from '../events/event-log.js';
import type { TaskEvent } from '../events/event-types.js';
import type { TaskService } from '../tasks/task-service.js';
import { sendApiError } from './error-handler.js';
import { eventsQuerySchema } from './schemas.js';
import { validate } from './validate.js';

/** Close codes clients can act on; documented in the README. */
export const WS_CLOSE = {
  COMPLETE: 1000,
  SERVER_SHUTDOWN: 1001,
  /** The client stopped reading; reconnect with ?after=<last seq received>. */
  SLOW_CONSUMER: 4008,
} as const;

const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const PING_INTERVAL_MS = 30_000;

interface WsParams {
  task_id: string;
}
interface WsQuery {
  after?: string;
}

export function registerTaskEventsWebSocket(app: FastifyInstance, deps: { tasks: TaskService; events: EventLog; sockets: Set<WebSocket> }): void {
  app.get<{ Params: WsParams; Querystring: WsQuery }>(
    '/ws/tasks/:task_id',
    {
      websocket: true,
      // Runs before the upgrade: an unknown task or a bad `after` is refused with a plain HTTP error.
      preValidation: async (request, reply) => {
        try {
          validate(eventsQuerySchema, request.query, 'query');
          await deps.tasks.get(request.params.task_id);
        } catch (error) {
          if (error instanceof ApiError) return sendApiError(reply, error);
          throw error;
        }
      },
    },
    (socket, request) => {
      const taskId = request.params.task_id;
      const { after } = validate(eventsQuerySchema, request.query, 'query');
      deps.sockets.add(socket);

      const ping = setInterval(() => socket.ping(), PING_INTERVAL_MS);
      const subscription = deps.events.subscribe(taskId, after ?? 0, (event: TaskEvent) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
          socket.close(WS_CLOSE.SLOW_CONSUMER, `slow consumer; reconnect with ?after=${event.seq - 1}`);
          return;
        }
        socket.send(JSON.stringify(event));
        if (event.type === 'complete') socket.close(WS_CLOSE.COMPLETE, 'complete');
      });

      socket.on('close', () => {
        clearInterval(ping);
        subscription.unsubscribe();
        deps.sockets.delete(socket);
      });
      socket.on('error', () => socket.terminate());
      // Clients only listen; anything they send is ignored rather than treated as an error.
      socket.on('message', () => undefined);
    },
  );
}
