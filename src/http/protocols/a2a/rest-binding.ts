import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../../server/services.js';
import { callOf, countRequest, frameworkError, lastEventIdOf } from './a2a-call.js';
import { A2aError, restError, toA2aError } from './a2a-errors.js';
import { cancelTaskOp, getTaskOp, listTasksOp, sendMessageOp, streamMessageOp, subscribeOp, type A2aCall } from './a2a-operations.js';
import { sseResponse } from './a2a-sse.js';
import type { FrameOutput } from './task-stream.js';
import { createPushConfigOp, deletePushConfigOp, getPushConfigOp, listPushConfigsOp } from './push-config-operations.js';

export const REST_PREFIX = '/a2a/rest';

interface TaskRef {
  ref: string;
}
interface ConfigRef {
  taskId: string;
  id: string;
}

function sendError(services: Services, reply: FastifyReply, operation: string, error: unknown): FastifyReply {
  countRequest(services, operation, error);
  const a2a = toA2aError(frameworkError(error));
  const { status, body } = restError(a2a);
  if (a2a.retryAfterSeconds !== undefined) reply.header('Retry-After', String(a2a.retryAfterSeconds));
  return reply.code(status).send(body);
}

/** `/tasks/{id}:action`: the id (which may itself hold ':') and the action after the last ':'. */
function splitAction(ref: string, actions: readonly string[]): { id: string; action: string | null } {
  const at = ref.lastIndexOf(':');
  const action = at === -1 ? null : ref.slice(at + 1);
  return action !== null && actions.includes(action) ? { id: ref.slice(0, at), action } : { id: ref, action: null };
}

/** The HTTP+JSON binding, at the paths the A2A REST transport calls, under REST_PREFIX. */
export async function registerRestBinding(scope: FastifyInstance, services: Services): Promise<void> {
  scope.setErrorHandler((error, _request, reply) => sendError(services, reply, 'invalid', error));

  const unary =
    (operation: string, run: (call: A2aCall, request: FastifyRequest) => Promise<unknown>) => async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        const result = await run(callOf(services, request, reply), request);
        countRequest(services, operation);
        return result;
      } catch (error) {
        return sendError(services, reply, operation, error);
      }
    };

  const streaming = async (
    operation: string,
    request: FastifyRequest,
    reply: FastifyReply,
    run: (call: A2aCall, out: FrameOutput) => Promise<void>,
  ): Promise<FastifyReply> => {
    const sse = sseResponse(request, reply, (frame) => JSON.stringify(frame.response));
    try {
      await run({ ...callOf(services, request, reply), signal: sse.closed }, sse.out);
    } catch (error) {
      if (!sse.started()) return sendError(services, reply, operation, error);
      countRequest(services, operation, error);
      sse.end(`event: error\ndata: ${JSON.stringify(restError(toA2aError(error)).body)}\n\n`);
      return reply;
    }
    countRequest(services, operation);
    if (!sse.started()) return reply.code(204).send();
    sse.end();
    return reply;
  };

  scope.post(
    `${REST_PREFIX}/message::send`,
    unary('SendMessage', (call, request) => sendMessageOp(call, request.body)),
  );
  scope.post(`${REST_PREFIX}/message::stream`, (request, reply) =>
    streaming('SendStreamingMessage', request, reply, (call, out) => streamMessageOp(call, request.body, out)),
  );
  scope.get(
    `${REST_PREFIX}/tasks`,
    unary('ListTasks', (call, request) => listTasksOp(call, request.query)),
  );

  const subscribe = (request: FastifyRequest, reply: FastifyReply, id: string) =>
    streaming('SubscribeToTask', request, reply, (call, out) => subscribeOp(call, { id }, lastEventIdOf(request), out));

  scope.get<{ Params: TaskRef }>(`${REST_PREFIX}/tasks/:ref`, (request, reply) => {
    const { id, action } = splitAction(request.params.ref, ['subscribe']);
    if (action === 'subscribe') return subscribe(request, reply, id);
    return unary('GetTask', (call) => getTaskOp(call, { ...(request.query as object), id }))(request, reply);
  });
  scope.post<{ Params: TaskRef }>(`${REST_PREFIX}/tasks/:ref`, (request, reply) => {
    const { id, action } = splitAction(request.params.ref, ['cancel', 'subscribe']);
    if (action === 'subscribe') return subscribe(request, reply, id);
    if (action === 'cancel') return unary('CancelTask', (call) => cancelTaskOp(call, { id }))(request, reply);
    return sendError(services, reply, 'invalid', new A2aError('MethodNotFound', `No operation at ${request.url}`, 'NOT_FOUND'));
  });

  const configs = `${REST_PREFIX}/tasks/:taskId/pushNotificationConfigs`;
  scope.post<{ Params: { taskId: string } }>(
    configs,
    unary('CreateTaskPushNotificationConfig', (call, request) => createPushConfigOp(call, request.body, (request.params as { taskId: string }).taskId)),
  );
  scope.get<{ Params: { taskId: string } }>(
    configs,
    unary('ListTaskPushNotificationConfigs', (call, request) => listPushConfigsOp(call, request.params)),
  );
  scope.get<{ Params: ConfigRef }>(
    `${configs}/:id`,
    unary('GetTaskPushNotificationConfig', (call, request) => getPushConfigOp(call, request.params)),
  );
  scope.delete<{ Params: ConfigRef }>(`${configs}/:id`, async (request, reply) => {
    const answer = await unary('DeleteTaskPushNotificationConfig', (call) => deletePushConfigOp(call, request.params))(request, reply);
    return answer === reply ? reply : reply.code(204).send();
  });
}
