import { z } from 'zod';
import { taskStatusSchema, timestamp, usageSchema } from './common-schemas.js';

// ---- Events: one envelope, the six core types and the approval round-trip's two -------------------------------------------------------

export const messageDataSchema = z.object({ role: z.literal('assistant'), text: z.string() }).meta({ id: 'MessageData', description: 'Assistant text.' });
export const toolUseDataSchema = z
  .object({ tool_use_id: z.string(), name: z.string(), input: z.unknown() })
  .meta({ id: 'ToolUseData', description: 'A tool invocation.' });
export const toolResultDataSchema = z
  .object({ tool_use_id: z.string(), content: z.string().describe('The result as text.'), is_error: z.boolean() })
  .meta({ id: 'ToolResultData', description: "A tool's result." });
export const progressDataSchema = z
  .object({
    turns: z.number().int(),
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    cost_usd: z.number(),
    files_changed: z.array(z.string()).describe('Files written or edited so far, relative to the workspace.'),
  })
  .meta({ id: 'ProgressData', description: 'After each round of tool results, and once at the end.' });
export const errorDataSchema = z
  .object({ code: z.string(), message: z.string() })
  .meta({ id: 'ErrorData', description: 'Why the task failed, timed out or was interrupted.' });
export const completeDataSchema = z
  .object({
    status: taskStatusSchema,
    result: z.string().nullable(),
    usage: usageSchema,
    num_turns: z.number().int(),
    cost_usd: z.number(),
    duration_ms: z.number().nullable(),
    error: errorDataSchema.nullable().optional(),
  })
  .meta({ id: 'CompleteData', description: 'Always the last event, exactly once.' });

export const permissionRequestDataSchema = z
  .object({
    request_id: z.string(),
    tool_name: z.string(),
    tool_use_id: z.string().nullable(),
    input: z.unknown(),
    reason: z.string().nullable(),
    expires_at: timestamp,
  })
  .meta({ id: 'PermissionRequestData', description: "A tool call waiting for the client's answer (options.require_approval)." });
export const permissionDecisionDataSchema = z
  .object({
    request_id: z.string(),
    decision: z.enum(['allow', 'deny']),
    decided_by: z.enum(['client', 'timeout', 'task_ended']),
    message: z.string().nullable(),
  })
  .meta({ id: 'PermissionDecisionData', description: 'How a permission request was settled; timeouts and ended tasks always deny.' });

export const networkBlockedDataSchema = z
  .object({
    host: z.string(),
    port: z.number().int(),
    reason: z
      .enum(['not_allowed', 'private_address', 'no_task'])
      .describe(
        "not_allowed: no entry of the task's allowlist matches; private_address: the name resolves to a loopback, private, link-local or this host's address.",
      ),
  })
  .meta({ id: 'NetworkBlockedData', description: "The egress proxy refused a connection of the task's agent." });

const envelope = <T extends string, D extends z.ZodType>(type: T, data: D, id: string) =>
  z
    .object({
      seq: z.number().int().min(1).describe('Starts at 1 per task, no gaps.'),
      task_id: z.string(),
      type: z.literal(type),
      timestamp,
      data,
    })
    .meta({ id });

export const messageEventSchema = envelope('message', messageDataSchema, 'MessageEvent');
export const toolUseEventSchema = envelope('tool_use', toolUseDataSchema, 'ToolUseEvent');
export const toolResultEventSchema = envelope('tool_result', toolResultDataSchema, 'ToolResultEvent');
export const progressEventSchema = envelope('progress', progressDataSchema, 'ProgressEvent');
export const errorEventSchema = envelope('error', errorDataSchema, 'ErrorEvent');
export const completeEventSchema = envelope('complete', completeDataSchema, 'CompleteEvent');
export const permissionRequestEventSchema = envelope('permission_request', permissionRequestDataSchema, 'PermissionRequestEvent');
export const permissionDecisionEventSchema = envelope('permission_decision', permissionDecisionDataSchema, 'PermissionDecisionEvent');
export const networkBlockedEventSchema = envelope('network_blocked', networkBlockedDataSchema, 'NetworkBlockedEvent');

export const taskEventSchema = z
  .discriminatedUnion('type', [
    messageEventSchema,
    toolUseEventSchema,
    toolResultEventSchema,
    progressEventSchema,
    errorEventSchema,
    completeEventSchema,
    permissionRequestEventSchema,
    permissionDecisionEventSchema,
    networkBlockedEventSchema,
  ])
  .meta({
    id: 'TaskEvent',
    description: 'One event, identical on the WebSocket, in Server-Sent Events and in the JSON history.',
  });

export const eventPageSchema = z
  .object({
    task_id: z.string(),
    events: z.array(taskEventSchema),
    next_after: z.number().int().describe('Pass as `?after=` for the next page.'),
    has_more: z.boolean(),
  })
  .meta({ id: 'EventPage' });
