import type { PushConfigParams } from './a2a-params.js';
import type { WireArtifact, WireMessage, WirePart, WireTask } from './a2a-task-view.js';

/**
 * The A2A 0.3 wire shapes (JSON Schema: `kind` discriminators, lower-case states) as a view of
 * the 1.0 ones, so 0.3 clients get the same operations with their own spelling.
 */

type Json = Record<string, unknown>;

const STATE_V03: Record<string, string> = {
  TASK_STATE_SUBMITTED: 'submitted',
  TASK_STATE_WORKING: 'working',
  TASK_STATE_INPUT_REQUIRED: 'input-required',
  TASK_STATE_COMPLETED: 'completed',
  TASK_STATE_CANCELED: 'canceled',
  TASK_STATE_FAILED: 'failed',
};

const TERMINAL_V03 = new Set(['completed', 'canceled', 'failed']);

function isPlainObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function partV03(part: WirePart) {
  if ('text' in part) return { kind: 'text', text: part.text };
  // A 0.3 data part holds an object: anything else (a structured_result array, a number) is wrapped.
  return { kind: 'data', data: isPlainObject(part.data) ? part.data : { value: part.data } };
}

function messageV03(message: WireMessage) {
  return {
    kind: 'message',
    messageId: message.messageId,
    contextId: message.contextId,
    taskId: message.taskId,
    role: message.role === 'ROLE_USER' ? 'user' : 'agent',
    parts: message.parts.map(partV03),
    ...(message.metadata ? { metadata: message.metadata } : {}),
  };
}

function statusV03(status: { state: string; message?: WireMessage; timestamp?: string }) {
  return {
    state: STATE_V03[status.state] ?? 'unknown',
    ...(status.message ? { message: messageV03(status.message) } : {}),
    ...(status.timestamp ? { timestamp: status.timestamp } : {}),
  };
}

function artifactV03(artifact: WireArtifact) {
  return { artifactId: artifact.artifactId, name: artifact.name, description: artifact.description, parts: artifact.parts.map(partV03) };
}

export function taskV03(task: WireTask) {
  return {
    kind: 'task',
    id: task.id,
    contextId: task.contextId,
    status: statusV03(task.status),
    artifacts: task.artifacts.map(artifactV03),
    history: task.history.map(messageV03),
    metadata: task.metadata,
  };
}

/** One frame of a 1.0 stream (a StreamResponse) as the 0.3 event: a task, a status-update or an artifact-update. */
export function streamEventV03(response: Json): unknown {
  if (response.task) return taskV03(response.task as WireTask);
  if (response.statusUpdate) {
    const update = response.statusUpdate as Json & { status: { state: string; message?: WireMessage; timestamp?: string } };
    const status = statusV03(update.status);
    return {
      kind: 'status-update',
      taskId: update.taskId,
      contextId: update.contextId,
      status,
      // The stream ends with the task; an input-required pause is not its end (it goes on once answered).
      final: TERMINAL_V03.has(status.state),
      metadata: update.metadata,
    };
  }
  const update = response.artifactUpdate as Json & { artifact: WireArtifact };
  return {
    kind: 'artifact-update',
    taskId: update.taskId,
    contextId: update.contextId,
    artifact: artifactV03(update.artifact),
    append: update.append,
    lastChunk: update.lastChunk,
    metadata: update.metadata,
  };
}

/** A 0.3 push config ({schemes, credentials} authentication) as the 1.0 params. */
export function pushConfigFromV03(config: unknown): PushConfigParams | undefined {
  if (!isPlainObject(config)) return undefined;
  const auth = config.authentication;
  const schemes = isPlainObject(auth) && Array.isArray(auth.schemes) ? auth.schemes : [];
  const { authentication: _dropped, ...rest } = config;
  return {
    ...(rest as PushConfigParams),
    ...(typeof schemes[0] === 'string' ? { authentication: { scheme: schemes[0], credentials: String((auth as Json).credentials ?? '') } } : {}),
  };
}

/** A 1.0 push config view as the 0.3 TaskPushNotificationConfig. */
export function pushConfigV03(config: { id: string; taskId: string; url: string; token?: string; authentication?: { scheme: string; credentials: string } }) {
  return {
    taskId: config.taskId,
    pushNotificationConfig: {
      id: config.id,
      url: config.url,
      ...(config.token ? { token: config.token } : {}),
      ...(config.authentication ? { authentication: { schemes: [config.authentication.scheme], credentials: config.authentication.credentials } } : {}),
    },
  };
}

/**
 * 0.3 MessageSendParams as the 1.0 ones: the same fields but for file parts (`{kind: 'file'}`,
 * refused as a prompt like 1.0's raw/url parts) and the push config's authentication.
 */
export function sendParamsFromV03(raw: unknown): unknown {
  if (!isPlainObject(raw) || !isPlainObject(raw.message)) return raw;
  const parts = raw.message.parts;
  const configuration = isPlainObject(raw.configuration) ? raw.configuration : undefined;
  const push = pushConfigFromV03(configuration?.pushNotificationConfig);
  return {
    ...raw,
    message: {
      ...raw.message,
      parts: Array.isArray(parts) ? parts.map((p: unknown) => (isPlainObject(p) && p.kind === 'file' ? { ...p, raw: '' } : p)) : parts,
    },
    ...(configuration ? { configuration: { ...configuration, pushNotificationConfig: push } } : {}),
  };
}
