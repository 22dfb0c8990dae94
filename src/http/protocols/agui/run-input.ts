import { z } from 'zod';
import { ApiError } from '../../../errors.js';
import { permissionAnswerSchema, submitTaskSchema } from '../../schemas.js';
import { validate } from '../../validate.js';

/**
 * The part of AG-UI's RunAgentInput this server reads. Loose like the protocol's own schema, so
 * fields a newer client adds do not break a run; what we act on is checked strictly below.
 */
const textPartSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
const messageSchema = z.looseObject({
  id: z.string(),
  role: z.string(),
  content: z.unknown().optional(),
});
const resumeEntrySchema = z.looseObject({
  interruptId: z.string().min(1),
  status: z.enum(['resolved', 'cancelled']),
  payload: z.unknown().optional(),
});

const runAgentInputSchema = z.looseObject({
  threadId: z.string().min(1),
  runId: z.string().min(1),
  messages: z.array(messageSchema),
  forwardedProps: z.unknown().optional(),
  resume: z.array(resumeEntrySchema).optional(),
});

/**
 * forwardedProps: the REST submit body's own fields (validated by its schema, so the rules and
 * messages are the REST ones), plus what a stream does when its client goes away.
 */
const forwardedPropsSchema = submitTaskSchema
  .pick({ workspace: true, options: true, webhook: true })
  .extend({ on_disconnect: z.enum(['interrupt', 'continue']).optional() });

export type ForwardedProps = z.infer<typeof forwardedPropsSchema>;
export type ResumeEntry = z.infer<typeof resumeEntrySchema>;

export interface RunRequest {
  threadId: string;
  runId: string;
  /** The last user message's text; null when there is none (a resume needs none). */
  prompt: string | null;
  props: ForwardedProps;
  resume: ResumeEntry[];
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => textPartSchema.safeParse(part))
    .filter((parsed) => parsed.success)
    .map((parsed) => parsed.data.text)
    .join('\n');
}

export function parseRunInput(body: unknown): RunRequest {
  const input = validate(runAgentInputSchema, body, 'body');
  const props = validate(forwardedPropsSchema, input.forwardedProps ?? {}, 'body');
  const lastUser = input.messages.filter((m) => m.role === 'user').at(-1);
  const prompt = lastUser === undefined ? null : textOf(lastUser.content);
  return { threadId: input.threadId, runId: input.runId, prompt, props, resume: input.resume ?? [] };
}

/** The permission answer a resume entry carries: a cancelled interrupt is a deny, a bare resolve an allow. */
export function answerOf(entry: ResumeEntry): z.infer<typeof permissionAnswerSchema> {
  if (entry.status === 'cancelled') return { decision: 'deny', message: 'The client cancelled the interrupt' };
  if (entry.payload === undefined) return { decision: 'allow' };
  return validate(permissionAnswerSchema, entry.payload, 'body');
}

/** Interrupt ids name the permission request and its task, so a resume needs nothing else. */
const INTERRUPT_SEPARATOR = '@';

export function interruptId(requestId: string, clientTaskId: string): string {
  return `${requestId}${INTERRUPT_SEPARATOR}${clientTaskId}`;
}

export function parseInterruptId(id: string): { requestId: string; clientTaskId: string } {
  const at = id.indexOf(INTERRUPT_SEPARATOR);
  if (at <= 0 || at === id.length - 1) throw new ApiError('VALIDATION_ERROR', `resume: ${JSON.stringify(id)} is not an interrupt id this server issued`);
  return { requestId: id.slice(0, at), clientTaskId: id.slice(at + 1) };
}
