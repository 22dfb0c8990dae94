import type { TaskOrigin } from '../../../tasks/task-service.js';
import { randomUUID } from 'node:crypto';
import { DomainError } from '../../../errors.js';
import { submitTaskSchema } from '../../schemas.js';
import { validate } from '../../validate.js';
import type { Services } from '../../../server/services.js';
import type { SessionRequest } from '../../../sessions/session-service.js';
import type { PermissionAnswer } from '../../../tasks/local-approvals.js';
import { isTerminal, type Task } from '../../../tasks/task-types.js';
import type { Tenant } from '../../../tenancy/tenant.js';
import type { PushConfig } from '../../../webhooks/webhook-types.js';
import { A2aError } from './a2a-errors.js';
import type { IncomingPart, PushConfigParams, SendParams } from './a2a-params.js';
import { lastSeqOf } from './task-stream.js';

type SendDeps = Pick<Services, 'tasks' | 'sessions' | 'approvals' | 'stream'>;

/** The task a message started or answered, and the seq after which its stream shows what the message caused. */
export interface SendOutcome {
  task: Task;
  after: number;
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function pushConfigOf(params: PushConfigParams): PushConfig {
  return {
    id: params.id || `push-${randomUUID()}`,
    token: params.token || null,
    authentication: params.authentication ? { scheme: params.authentication.scheme, credentials: params.authentication.credentials } : null,
  };
}

/**
 * A message with the taskId of a task waiting for an approval answers it; any other message
 * starts a task, in the session its contextId names (continued if it exists, created if not).
 */
export async function sendMessage(deps: SendDeps, tenant: Tenant, params: SendParams, origin?: TaskOrigin): Promise<SendOutcome> {
  const { message } = params;
  if (message.taskId) return answerApproval(deps, tenant, message.taskId, message.parts);

  const prompt = promptOf(message.parts);
  // The messageId names the task, so a retried message finds the task it already started.
  const taskId = message.messageId && ID_PATTERN.test(message.messageId) ? message.messageId : undefined;
  if (taskId !== undefined) {
    const existing = await deps.tasks.get(tenant, taskId).catch((error: unknown) => {
      if (error instanceof DomainError && error.code === 'TASK_NOT_FOUND') return null;
      throw error;
    });
    if (existing) return { task: existing, after: 0 };
  }
  const ccs = { ...asRecord(message.metadata?.ccs), ...asRecord(params.metadata?.ccs) };
  const push = params.configuration?.taskPushNotificationConfig ?? params.configuration?.pushNotificationConfig;
  const body = validate(
    submitTaskSchema,
    {
      ...(taskId !== undefined ? { task_id: taskId } : {}),
      prompt,
      ...(ccs.workspace !== undefined ? { workspace: ccs.workspace } : {}),
      ...(ccs.options !== undefined ? { options: ccs.options } : {}),
      ...(message.contextId ? { session: await sessionFor(deps, tenant, message.contextId) } : {}),
      ...(push ? { webhook: { url: push.url } } : {}),
    },
    'body',
  );
  const { task } = await deps.tasks.submit(tenant, body, push ? pushConfigOf(push) : undefined, origin);
  return { task, after: 0 };
}

async function sessionFor(deps: SendDeps, tenant: Tenant, contextId: string): Promise<SessionRequest> {
  try {
    await deps.sessions.get(tenant, contextId);
    return { reuse_existing: true, session_id: contextId };
  } catch (error) {
    if (error instanceof DomainError && error.code === 'SESSION_NOT_FOUND') return { session_id: contextId };
    throw error;
  }
}

function promptOf(parts: IncomingPart[]): string {
  if (parts.some((p) => p.raw !== undefined || p.url !== undefined)) {
    throw new A2aError('ContentTypeNotSupported', 'Only text parts are accepted as a prompt (file parts are not supported)');
  }
  const text = parts
    .map((p) => p.text ?? (p.data !== undefined ? JSON.stringify(p.data) : ''))
    .filter((t) => t !== '')
    .join('\n');
  if (text.trim() === '') throw new A2aError('InvalidParams', 'The message has no text to use as a prompt');
  return text;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

const ALLOW = /^\s*(allow(ed)?|approved?|accept(ed)?|yes|y|ok)\b/i;
const DENY = /^\s*(deny|denied|reject(ed)?|decline(d)?|no|n)\b/i;

/** A data part's decision: {"decision": "allow" | "deny"}, or a boolean `approved` / `allow`. */
function decisionIn(data: Record<string, unknown>): unknown {
  if (data.decision !== undefined) return data.decision;
  const flag = data.approved ?? data.allow;
  return typeof flag === 'boolean' ? (flag ? 'allow' : 'deny') : undefined;
}

async function answerApproval(deps: SendDeps, tenant: Tenant, taskId: string, parts: IncomingPart[]): Promise<SendOutcome> {
  const task = await deps.tasks.get(tenant, taskId);
  if (isTerminal(task.status)) {
    throw new A2aError('UnsupportedOperation', `Task ${taskId} has ended (${task.status}); send a new message with its contextId to go on`, 'TASK_NOT_RUNNING');
  }
  const pending = await deps.approvals.pending(task);
  if (pending.length === 0) throw new A2aError('UnsupportedOperation', `Task ${taskId} is not waiting for input`, 'PERMISSION_REQUEST_NOT_PENDING');
  const data = parts.map((p) => asRecord(p.data)).find((d) => decisionIn(d) !== undefined) ?? {};
  const text = parts.map((p) => p.text ?? '').join(' ');
  const decision = decisionIn(data) ?? (ALLOW.test(text) ? 'allow' : DENY.test(text) ? 'deny' : undefined);
  if (decision !== 'allow' && decision !== 'deny') {
    throw new A2aError('InvalidParams', 'Answer an approval with "allow" or "deny" (text), or a data part {"decision": "allow" | "deny"}');
  }
  const requestId = typeof data.request_id === 'string' ? data.request_id : pending[0]!.request_id;
  const answer: PermissionAnswer = { decision };
  if (typeof data.message === 'string') answer.message = data.message;
  else if (decision === 'deny' && text.replace(DENY, '').trim() !== '') answer.message = text.replace(DENY, '').trim();
  if (decision === 'allow' && data.updated_input !== undefined) answer.updated_input = asRecord(data.updated_input);
  // Read before answering: the stream of this message starts with what the answer causes.
  const after = await lastSeqOf(deps, task.task_id);
  await deps.approvals.answer(task, requestId, answer);
  return { task: await deps.tasks.get(tenant, taskId), after };
}
