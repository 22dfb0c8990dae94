import type { A2aCall } from './a2a-operations.js';
import { cancelTaskOp, getTaskOp, sendMessageOp, streamMessageOp, subscribeOp } from './a2a-operations.js';
import { configRefSchema, parseParams } from './a2a-params.js';
import { createPushConfigOp, deletePushConfigOp, getPushConfigOp, listPushConfigsOp } from './push-config-operations.js';
import type { FrameOutput } from './task-stream.js';
import { pushConfigFromV03, pushConfigV03, sendParamsFromV03, taskV03 } from './v03-wire.js';

/**
 * The A2A 0.3 JSON-RPC methods: the 1.0 operations, with 0.3 params read into 1.0 ones and the
 * results shown in 0.3 shapes (stream frames are converted where they are encoded).
 */

type Unary = (call: A2aCall, params: unknown) => Promise<unknown>;
type Streaming = (call: A2aCall, params: unknown, lastEventId: number | undefined, out: FrameOutput) => Promise<void>;

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** 0.3 names a task's push config by `{id: taskId, pushNotificationConfigId}`; 1.0 by `{taskId, id}`. */
function configRefFromV03(raw: unknown) {
  const params = record(raw);
  return { taskId: params.id, ...(params.pushNotificationConfigId !== undefined ? { id: params.pushNotificationConfigId } : {}) };
}

export const UNARY_V03: Record<string, Unary> = {
  'message/send': async (call, params) => taskV03((await sendMessageOp(call, sendParamsFromV03(params))).task),
  'tasks/get': async (call, params) => taskV03(await getTaskOp(call, params)),
  'tasks/cancel': async (call, params) => taskV03(await cancelTaskOp(call, params)),
  'tasks/pushNotificationConfig/set': async (call, raw) => {
    const params = record(raw);
    const config = pushConfigFromV03(params.pushNotificationConfig) ?? {};
    return pushConfigV03(await createPushConfigOp(call, { ...config, taskId: params.taskId }));
  },
  'tasks/pushNotificationConfig/get': async (call, params) => pushConfigV03(await getPushConfigOp(call, configRefFromV03(params))),
  'tasks/pushNotificationConfig/list': async (call, params) => {
    const { taskId } = parseParams(configRefSchema, configRefFromV03(params));
    return (await listPushConfigsOp(call, { taskId })).configs.map(pushConfigV03);
  },
  'tasks/pushNotificationConfig/delete': async (call, params) => {
    await deletePushConfigOp(call, configRefFromV03(params));
    return null;
  },
};

export const STREAMING_V03: Record<string, Streaming> = {
  'message/stream': (call, params, _last, out) => streamMessageOp(call, sendParamsFromV03(params), out),
  'tasks/resubscribe': subscribeOp,
};
