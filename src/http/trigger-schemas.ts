import { z } from 'zod';
import { webhookRequestSchema } from '../webhooks/webhook-request.js';
import { MAX_PROMPT_CHARS, sessionRequestSchema, submitTaskSchema, taskOptionsSchema } from './schemas.js';

/** Fire text longer than this is refused (the template's prompt and the text together stay within MAX_PROMPT_CHARS). */
export const MAX_FIRE_TEXT_CHARS = 100_000;

/**
 * A trigger's task: the fields of a task submit, with the session named flat (`session_id`,
 * `reuse_existing`) as in a schedule's task; `session: {…}` as in a submit is taken too.
 */
export const triggerTaskSchema = z
  .strictObject({
    prompt: submitTaskSchema.shape.prompt,
    workspace: submitTaskSchema.shape.workspace,
    session_id: sessionRequestSchema.shape.session_id,
    reuse_existing: sessionRequestSchema.shape.reuse_existing,
    session: sessionRequestSchema.optional(),
    options: taskOptionsSchema.optional(),
    webhook: webhookRequestSchema.optional(),
  })
  .refine((t) => t.session === undefined || (t.session_id === undefined && t.reuse_existing === undefined), {
    message: 'give the session either as session_id / reuse_existing or as session, not both',
    path: ['session'],
  })
  .transform(({ session, ...rest }) => ({
    ...rest,
    ...(session?.session_id !== undefined ? { session_id: session.session_id } : {}),
    ...(session?.reuse_existing !== undefined ? { reuse_existing: session.reuse_existing } : {}),
  }));

export const createTriggerSchema = z.strictObject({
  name: z.string().trim().min(1, 'name must not be empty').max(200),
  task: triggerTaskSchema,
});

export const fireTriggerSchema = z.strictObject({
  text: z.string().max(MAX_FIRE_TEXT_CHARS).optional().describe('Appended to the template prompt after one blank line.'),
  task_id: submitTaskSchema.shape.task_id.describe('Your id for the task: a retried fire with the same id and text returns the same task (200).'),
});

export { MAX_PROMPT_CHARS };
