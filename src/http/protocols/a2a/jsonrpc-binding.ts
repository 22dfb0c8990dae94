import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../server/services.js';
import { callOf, countRequest, frameworkError, lastEventIdOf } from './a2a-call.js';
import { A2aError, jsonRpcError, jsonRpcErrorV03, toA2aError } from './a2a-errors.js';
import { cancelTaskOp, getTaskOp, listTasksOp, sendMessageOp, streamMessageOp, subscribeOp, type A2aCall } from './a2a-operations.js';
import { sseResponse } from './a2a-sse.js';
import type { FrameOutput } from './task-stream.js';
import { createPushConfigOp, deletePushConfigOp, getPushConfigOp, listPushConfigsOp } from './push-config-operations.js';
import type { StreamFrame } from './a2a-event-view.js';
import { STREAMING_V03, UNARY_V03 } from './v03-methods.js';
import { streamEventV03 } from './v03-wire.js';

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

/** A wire version's methods and how its results, stream frames and errors are spelled. */
interface Dialect {
  unary: typeof UNARY;
  streaming: typeof STREAMING;
  frame: (frame: StreamFrame) => unknown;
  error: (error: A2aError) => unknown;
  /** 0.3 clients read a stream's errors only from its SSE frames, even before the first event. */
  errorsInStream: boolean;
}

const V1: Dialect = { unary: UNARY, streaming: STREAMING, frame: (frame) => frame.response, error: jsonRpcError, errorsInStream: false };
const V03: Dialect = {
  unary: UNARY_V03,
  streaming: STREAMING_V03,
  frame: (frame) => streamEventV03(frame.response),
  error: jsonRpcErrorV03,
  errorsInStream: true,
};

/** 0.3 method names have a slash (`message/send`), 1.0 ones do not (`SendMessage`): one endpoint serves both. */
const dialectOf = (method: string): Dialect => (method.includes('/') ? V03 : V1);

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
    let dialect = V1;
    try {
      const envelope = envelopeOf(request.body);
      id = envelope.id;
      dialect = dialectOf(envelope.method);
      const unary = Object.hasOwn(dialect.unary, envelope.method) ? dialect.unary[envelope.method] : undefined;
      const streaming = Object.hasOwn(dialect.streaming, envelope.method) ? dialect.streaming[envelope.method] : undefined;
      if (!unary && !streaming) throw new A2aError('MethodNotFound', `Method ${envelope.method} is not supported`, 'NOT_FOUND');
      operation = envelope.method;
      const call = callOf(services, request, reply);
      if (unary) {
        const result = await unary(call, envelope.params);
        countRequest(services, operation);
        return { jsonrpc: '2.0', id, result };
      }
      const sse = sseResponse(request, reply, (frame) => JSON.stringify({ jsonrpc: '2.0', id, result: dialect.frame(frame) }));
      try {
        await streaming!({ ...call, signal: sse.closed }, envelope.params, lastEventIdOf(request), sse.out);
      } catch (error) {
        if (!sse.started() && !dialect.errorsInStream) throw error;
        countRequest(services, operation, error);
        sse.end(`data: ${JSON.stringify({ jsonrpc: '2.0', id, error: dialect.error(toA2aError(error)) })}\n\n`);
        return reply;
      }
      countRequest(services, operation);
      if (!sse.started()) return reply.code(204).send();
      sse.end();
      return reply;
    } catch (error) {
      countRequest(services, operation, error);
      const rpcId = (error as { rpcId?: RequestId }).rpcId ?? id;
      return reply.code(200).send({ jsonrpc: '2.0', id: rpcId, error: dialect.error(toA2aError(error)) });
    }
  });
}
