import { createHash } from 'node:crypto';
import { DomainError } from '../errors.js';
import type { SubmitTaskRequest } from '../tasks/submit-request.js';
import type { TriggerTaskTemplate } from './trigger-types.js';

/** The same ceiling as a submitted prompt (src/http/schemas.ts MAX_PROMPT_CHARS). */
const MAX_PROMPT_CHARS = 200_000;

/**
 * The task id of a fire: the caller's own `task_id`, or one derived from the trigger and the
 * `Idempotency-Key`, so a retried fire finds the task the first one started; none otherwise.
 */
export function firedTaskId(triggerId: string, request: { taskId?: string | undefined; idempotencyKey?: string | undefined }): string | undefined {
  if (request.taskId !== undefined) return request.taskId;
  if (request.idempotencyKey === undefined) return undefined;
  const digest = createHash('sha256').update(`${triggerId}\0${request.idempotencyKey}`).digest('hex');
  return `${triggerId}-${digest.slice(0, 32)}`;
}

/** The template as a submit: the fire's text goes after the prompt, past one blank line. */
export function submitOfFire(template: TriggerTaskTemplate, text: string | undefined, taskId: string | undefined): SubmitTaskRequest {
  const prompt = text === undefined || text.trim() === '' ? template.prompt : `${template.prompt}\n\n${text}`;
  if (prompt.length > MAX_PROMPT_CHARS) {
    throw new DomainError('VALIDATION_ERROR', `The template's prompt with the fire's text is longer than ${MAX_PROMPT_CHARS} characters`);
  }
  const body: SubmitTaskRequest = { prompt };
  if (taskId !== undefined) body.task_id = taskId;
  if (template.workspace !== undefined) body.workspace = template.workspace;
  if (template.options !== undefined) body.options = template.options;
  if (template.webhook !== undefined) body.webhook = template.webhook;
  if (template.session_id !== undefined || template.reuse_existing !== undefined) {
    body.session = {};
    if (template.session_id !== undefined) body.session.session_id = template.session_id;
    if (template.reuse_existing !== undefined) body.session.reuse_existing = template.reuse_existing;
  }
  return body;
}
