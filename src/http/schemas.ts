import { z } from 'zod';
import { MAX_APPROVAL_TIMEOUT_SECONDS } from '../agent/spawn-options.js';
import { parseHostPattern } from '../egress/host-patterns.js';
import { mcpServersSchema } from '../mcp/mcp-schemas.js';
import { SESSION_STATUSES } from '../sessions/session-types.js';
import { MAX_PRIORITY, MIN_PRIORITY } from '../tasks/queue/priority.js';
import type { SubmitTaskRequest } from '../tasks/submit-request.js';
import { PERMISSION_MODES, TASK_STATUSES } from '../tasks/task-types.js';
import { webhookRequestSchema } from '../webhooks/webhook-request.js';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const idField = (what: string) =>
  z.string().regex(ID_PATTERN, `${what} must be 1-128 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit`);

export const MAX_PROMPT_CHARS = 200_000;

function isHostPattern(entry: string): boolean {
  try {
    parseHostPattern(entry);
    return true;
  } catch {
    return false;
  }
}

export const taskOptionsSchema = z.strictObject({
  allowed_tools: z
    .array(z.string().regex(/^[A-Za-z0-9_:*()\- ./]{1,200}$/, 'each tool must be a tool name such as "Read" or "Bash(git:*)"'))
    .max(100)
    .optional(),
  permission_mode: z.enum(PERMISSION_MODES).optional(),
  max_turns: z.number().int().min(1).max(1000).optional(),
  timeout: z.number().positive().max(86_400).optional(),
  model: z.string().min(1).max(200).optional(),
  require_approval: z
    .array(z.string().regex(/^[A-Za-z0-9_:*\-.]{1,200}$/, 'each entry must be a tool name such as "Bash"'))
    .max(100)
    .optional(),
  approval_timeout: z.number().positive().max(MAX_APPROVAL_TIMEOUT_SECONDS).optional(),
  max_budget_usd: z.number().positive().max(1_000_000).optional(),
  output_schema: z
    .record(z.string(), z.unknown())
    .refine((schema) => schema.type === 'object', 'must be a JSON Schema with "type": "object" (the agent answers with an object)')
    .refine((schema) => JSON.stringify(schema).length <= 100_000, 'must be at most 100,000 characters of JSON')
    .optional(),
  network: z
    .strictObject({
      allow: z
        .array(z.string().max(300).refine(isHostPattern, 'each entry must be "host[:port]", "*.domain[:port]", "*" or an IP address'))
        .max(100)
        .describe("Hosts this task's agent may reach through the egress proxy; only narrows its tenant's list ([]: nothing but the model)."),
    })
    .optional(),
  priority: z
    .number()
    .int('priority must be an integer from 0 to 9')
    .min(MIN_PRIORITY, 'priority must be an integer from 0 to 9')
    .max(MAX_PRIORITY, 'priority must be an integer from 0 to 9')
    .optional()
    .describe('0..9 (default 5): higher priorities start first, FIFO within one; fair share across tenants comes first (docs/priorities.md).'),
  mcp_servers: mcpServersSchema.optional(),
});

export const sessionRequestSchema = z.strictObject({
  reuse_existing: z.boolean().optional(),
  session_id: idField('session_id').optional(),
});

export const submitTaskSchema = z.strictObject({
  task_id: idField('task_id').optional(),
  prompt: z.string().trim().min(1, 'prompt must not be empty').max(MAX_PROMPT_CHARS),
  workspace: z.string().min(1).max(4096).optional(),
  options: taskOptionsSchema.optional(),
  session: sessionRequestSchema.optional(),
  webhook: webhookRequestSchema.optional(),
});

export const permissionAnswerSchema = z.strictObject({
  decision: z.enum(['allow', 'deny']),
  message: z.string().max(2000).optional(),
  updated_input: z.record(z.string(), z.unknown()).optional(),
});

/** Assignable both ways and with the same keys: an optional field added to one side only fails to compile. */
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type Exactly<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? SameKeys<A, B> extends true
      ? SameKeys<NonNullable<A[keyof A & 'options']>, NonNullable<B[keyof B & 'options']>> extends true
        ? A
        : never
      : never
    : never
  : never;

/** The validated body, which the route hands to the task service as its SubmitTaskRequest. */
export type SubmitTaskBody = Exactly<z.infer<typeof submitTaskSchema>, SubmitTaskRequest>;

export const listTasksQuerySchema = z.strictObject({
  status: z.enum(TASK_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(1000).optional(),
});

export const listSessionsQuerySchema = z.strictObject({
  status: z.enum([...SESSION_STATUSES, 'all']).optional(),
});

const seqParam = (name: string) =>
  z
    .string()
    .regex(/^\d{1,15}$/, `${name} must be a non-negative integer`)
    .transform(Number);

export const eventsQuerySchema = z.strictObject({
  after: seqParam('after').optional(),
  /** A single-use ticket from POST /api/v1/ws-tickets, for clients that cannot send headers. */
  ticket: z.string().max(200).optional(),
});

export const eventsHttpQuerySchema = z.strictObject({
  after: seqParam('after').optional(),
  format: z.enum(['sse', 'json']).default('sse'),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

export const lastEventIdSchema = seqParam('Last-Event-ID');

export function describeZodError(error: z.ZodError): { message: string; details: { path: string; message: string }[] } {
  const details = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
  return { message: details.map((d) => `${d.path}: ${d.message}`).join('; '), details };
}
