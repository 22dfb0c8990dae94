import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../server/services.js';
import { callOf, countRequest, frameworkError, lastEventIdOf } from './a2a-call.js';
import { A2aError, jsonRpcError, toA2aError } from './a2a-errors.js';
import { cancelTaskOp, getTaskOp, listTasksOp, sendMessageOp, streamMessageOp, subscribeOp, type A2aCall } from './a2a-operations.js';
import { sseResponse } from './a2a-sse.js';
import type { FrameOutput } from './task-stream.js';
import { createPushConfigOp, deletePushConfigOp, getPushConfigOp, listPushConfigsOp } from './push-config-operations.js';

export const JSONRPC_PATH = '/a2a/jsonrpc';

type RequestId = string | number | null;

const UNARY: Record<string, (call: A2aCall, params: unknown) => Promise<unknown>> = {
  SendMessage: sendMessageOp,
  GetTask: getTaskOp,
  ListTasks: listTasksOp,
  CancelTask: cancelTaskOp,
  CreateTaskPushNotificationConfig: (call, params) => createPushConfigOp(call, params),
  GetTaskPushNotificationConfig: getPushConfigOp,
  ListTaskPushNotificationConfigs: listPushConfigsOp,
  DeleteTaskPushNotificationConfig: deletePushConfigOp,
};

const STREAMING: Record<string, (call: A2aCall, params: unknown, lastEventId: number | undefined, out: FrameOutput) => Promise<void>> = {
  SendStreamingMessage: (call, params, _last, out) => streamMessageOp(call, params, out),
  SubscribeToTask: subscribeOp,
};

function envelopeOf(body: unknown): { id: RequestId; method: string; params: unknown } {
  const rpc = body as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown } | null;
  const id = typeof rpc?.id === 'string' || typeof rpc?.id === 'number' ? rpc.id : null;
  if (rpc === null || typeof rpc !== 'object' || rpc.jsonrpc !== '2.0' || typeof rpc.method !== 'string') {
    throw Object.assign(new A2aError('InvalidRequest', 'Not a JSON-RPC 2.0 request'), { rpcId: id });
  }
  return { id, method: rpc.method, params: rpc.params };
}

/** The JSON-RPC binding: one POST endpoint; streaming methods answer Server-Sent Events of JSON-RPC responses. */
export async function registerJsonRpcBinding(scope: FastifyInstance, services: Services): Promise<void> {
  scope.setErrorHandler((error, _request, reply) => {
    countRequest(services, 'invalid', frameworkError(error));
    const a2a = toA2aError(frameworkError(error));
    return reply.code(200).send({ jsonrpc: '2.0', id: null, error: jsonRpcError(a2a) });
  });

  scope.post(JSONRPC_PATH, async (request, reply) => {
    let id: RequestId = null;
    let operation = 'invalid';
    try {
      const envelope = envelopeOf(request.body);
      id = envelope.id;
      const unary = UNARY[envelope.method];
      const streaming = STREAMING[envelope.method];
      if (!unary && !streaming) throw new A2aError('MethodNotFound', `Method ${envelope.method} is not supported`, 'NOT_FOUND');
      operation = envelope.method;
      const call = callOf(services, request, reply);
      if (unary) {
        const result = await unary(call, envelope.params);
        countRequest(services, operation);
        return { jsonrpc: '2.0', id, result };
      }
      const sse = sseResponse(request, reply, (frame) => JSON.stringify({ jsonrpc: '2.0', id, result: frame.response }));
      try {
        await streaming!({ ...call, signal: sse.closed }, envelope.params, lastEventIdOf(request), sse.out);
      } catch (error) {
        if (!sse.started()) throw error;
        countRequest(services, operation, error);
        sse.end(`data: ${JSON.stringify({ jsonrpc: '2.0', id, error: jsonRpcError(toA2aError(error)) })}\n\n`);
        return reply;
      }
      countRequest(services, operation);
      if (!sse.started()) return reply.code(204).send();
      sse.end();
      return reply;
    } catch (error) {
      countRequest(services, operation, error);
      const rpcId = (error as { rpcId?: RequestId }).rpcId ?? id;
      return reply.code(200).send({ jsonrpc: '2.0', id: rpcId, error: jsonRpcError(toA2aError(error)) });
    }
  });
}
