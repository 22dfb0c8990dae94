import { z } from 'zod';
import { mcpServersSchema } from '../mcp/mcp-schemas.js';
import { SESSION_STATUSES } from '../sessions/session-types.js';
import { CHANGE_KINDS } from '../changes/change-types.js';
import { PERMISSION_MODES } from '../tasks/task-types.js';
import { errorCodeSchema, nullableTimestamp, taskStatusSchema, timestamp, usageSchema } from './common-schemas.js';
import { DELIVERY_STATUSES, WEBHOOK_EVENTS } from '../webhooks/webhook-types.js';

/**
 * What the API answers, as zod schemas: the OpenAPI document is generated from them, and
 * test/unit/openapi.test.ts checks at compile time that they match the types views.ts returns
 * (and at run time that real answers parse). The task routes also serialize with them
 * (fast-json-stringify, see serialization.ts), which writes only the fields a schema names:
 * a view field missing here is dropped on the wire, and
 * test/integration/response-serialization.test.ts fails. Responses are not validated.
 */

export { errorCodeSchema, taskStatusSchema, usageSchema } from './common-schemas.js';
// The events are answers too (the event page, and every frame of the streams).
export * from './event-schemas.js';

export const validationDetailSchema = z.object({
  path: z.string().describe('The offending field, dotted (e.g. `options.max_turns`), or `(body)`.'),
  message: z.string(),
});

export const errorResponseSchema = z
  .object({
    error: z.object({
      code: errorCodeSchema.describe('Stable machine-readable code; see the README error table.'),
      message: z.string().describe('Human-readable explanation.'),
      details: z
        .union([
          z.array(validationDetailSchema).describe('VALIDATION_ERROR: one entry per bad field.'),
          z.object({ queued: z.number().int(), running: z.number().int() }).describe('QUEUE_FULL: the queue and running counts.'),
        ])
        .optional(),
    }),
  })
  .meta({ id: 'Error', description: 'The one error shape of every HTTP error.' });

export const taskErrorSchema = z
  .object({ code: errorCodeSchema, message: z.string() })
  .meta({ id: 'TaskError', description: 'Why a task failed, timed out or was interrupted.' });

export const taskOptionsViewSchema = z
  .object({
    allowed_tools: z.array(z.string()).nullable(),
    permission_mode: z.enum(PERMISSION_MODES).nullable(),
    max_turns: z.number().int().nullable(),
    timeout: z.number().nullable().describe('Seconds.'),
    model: z.string().nullable(),
    require_approval: z.array(z.string()).nullable().describe("Tools whose every call waits for the client's answer."),
    approval_timeout: z.number().nullable().describe('Seconds a permission request waits before it is denied; null: 600.'),
    max_budget_usd: z.number().nullable().describe('The task fails with BUDGET_EXCEEDED once it has spent more.'),
    output_schema: z.record(z.string(), z.unknown()).nullable().describe('The JSON Schema the result must match (`structured_result`).'),
    network: z
      .object({ allow: z.array(z.string()) })
      .nullable()
      .describe("The task's own egress allowlist (narrower than its tenant's); null: the tenant's list."),
    priority: z.number().int().min(0).max(9).describe("0..9, higher starts first within its tenant's turn (docs/priorities.md); 5 when the task named none."),
    mcp_servers: mcpServersSchema
      .nullable()
      .describe("The task's own MCP servers as submitted (secret references, never their values); the tenant's default ones are not listed."),
  })
  .meta({ id: 'TaskOptions', description: 'The options as submitted; null where the server default applies.' });

export const webhookTargetSchema = z
  .object({ url: z.string(), events: z.array(z.enum(WEBHOOK_EVENTS)) })
  .meta({ id: 'WebhookTarget', description: "Where the task's notifications go, and for which events." });

export const changedFileSchema = z
  .object({
    path: z.string().describe('Relative to the workspace.'),
    change: z.enum(CHANGE_KINDS),
    additions: z.number().int().nullable().describe('Lines added; null for binary files and files too large to diff.'),
    deletions: z.number().int().nullable().describe('Lines removed; null for binary files and files too large to diff.'),
    binary: z.boolean(),
  })
  .meta({ id: 'ChangedFile' });

export const pendingPermissionSchema = z
  .object({
    request_id: z.string(),
    tool_name: z.string(),
    tool_use_id: z.string().nullable(),
    input: z.unknown().describe("The tool call's input, as the agent sent it."),
    reason: z.string().nullable(),
    requested_at: timestamp,
    expires_at: timestamp.describe('When it is denied if nobody answers (options.approval_timeout).'),
  })
  .meta({ id: 'PendingPermission', description: 'A tool call waiting for POST /api/v1/tasks/{task_id}/permissions/{request_id}.' });

export const taskSchema = z
  .object({
    task_id: z.string(),
    session_id: z.string(),
    status: taskStatusSchema,
    prompt: z.string(),
    workspace: z.string().describe('Real path of the workspace, inside WORKSPACE_ROOT.'),
    options: taskOptionsViewSchema,
    created_at: timestamp,
    started_at: nullableTimestamp,
    completed_at: nullableTimestamp,
    result: z.string().nullable().describe('The final answer of a completed task; null otherwise.'),
    usage: usageSchema,
    num_turns: z.number().int(),
    cost_usd: z.number(),
    duration_ms: z.number().nullable(),
    error: taskErrorSchema.nullable(),
    webhook: webhookTargetSchema.nullable().describe("The task's webhook (its own or its tenant's default); null for none."),
    changed_files: z
      .array(changedFileSchema)
      .nullable()
      .describe('Files the task created, modified or deleted in its workspace; null until it has finished (or when unknown).'),
    instance_id: z.string().nullable().describe('INSTANCE_ID of the instance that ran (or runs) the task; null while queued.'),
    structured_result: z.unknown().describe("With `options.output_schema`: the agent's answer, matching it (a completed task always has one); null otherwise."),
    schedule_id: z.string().nullable().describe('The schedule whose tick started the task; null for tasks submitted otherwise.'),
    trigger_id: z.string().nullable().describe('The trigger whose fire started the task (POST /api/v1/triggers/{trigger_id}/fire); null for every other task.'),
    trace_id: z
      .string()
      .nullable()
      .describe("The task's OpenTelemetry trace id (32 hex digits), also in its log lines; null when tracing was off at submit (docs/tracing.md)."),
    pending_permissions: z
      .array(pendingPermissionSchema)
      .describe("Tool calls waiting for the client's answer (options.require_approval); empty when none, and always on a finished task."),
    websocket_url: z.string().describe('Where to follow the task live.'),
  })
  .meta({ id: 'Task' });

export const webhookDeliverySchema = z
  .object({
    webhook_id: z.string().describe('The `webhook-id` header; the same on every retry of this delivery.'),
    url: z.string(),
    event: z.enum(WEBHOOK_EVENTS),
    payload: z.unknown().describe('The JSON body that was (or will be) sent: `{type, timestamp, data: {task_id, session_id, status, …}}`.'),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    next_attempt_at: nullableTimestamp,
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: timestamp,
    delivered_at: nullableTimestamp,
  })
  .meta({ id: 'WebhookDelivery' });

export const webhookDeliveryListSchema = z
  .object({ task_id: z.string(), webhook: webhookTargetSchema.nullable(), deliveries: z.array(webhookDeliverySchema) })
  .meta({ id: 'WebhookDeliveryList' });

export const submitTaskResponseSchema = z
  .object({
    task_id: z.string(),
    session_id: z.string(),
    status: taskStatusSchema.describe('`running` or `queued`, whichever is true (any status when an identical submission is replayed).'),
    websocket_url: z.string(),
    created_at: timestamp,
    trace_id: z.string().nullable().describe("The task's OpenTelemetry trace id; null when tracing is off (docs/tracing.md)."),
  })
  .meta({ id: 'SubmittedTask' });

export const taskListSchema = z
  .object({
    tasks: z.array(taskSchema),
    next_cursor: z.string().nullable().describe('Pass as `?cursor=` for the next page; null on the last.'),
  })
  .meta({ id: 'TaskList' });

export const sessionSchema = z
  .object({
    session_id: z.string(),
    workspace: z.string(),
    status: z.enum(SESSION_STATUSES),
    created_at: timestamp,
    last_activity_at: timestamp,
    task_count: z.number().int(),
    current_task_id: z.string().nullable(),
    cost_usd: z.number(),
    claude_session_id: z.string().nullable().describe('The Claude Code conversation id, once the first task has started.'),
    forked_from: z
      .object({ session_id: z.string(), task_id: z.string() })
      .nullable()
      .describe('The session and task whose end this session was forked from (`POST /api/v1/sessions/{session_id}/fork`); null if it was not forked.'),
  })
  .meta({ id: 'Session' });

export const sessionListSchema = z.object({ sessions: z.array(sessionSchema), total: z.number().int() }).meta({ id: 'SessionList' });

export const wsTicketSchema = z
  .object({
    ticket: z.string().describe('Put it in the WebSocket URL: `/ws/tasks/{task_id}?ticket=…`. Valid once.'),
    expires_at: z.string().describe('ISO 8601; 30 seconds after issue.'),
    expires_in_seconds: z.number().int(),
  })
  .meta({ id: 'WsTicket' });

export const deletedSessionSchema = z
  .object({
    session_id: z.string(),
    interrupted_tasks: z.array(z.string()).describe('Tasks that ended `interrupted` with SESSION_DELETED.'),
    deleted: z.literal(true),
  })
  .meta({ id: 'DeletedSession' });

export const healthSchema = z
  .object({
    status: z
      .enum(['healthy', 'degraded', 'shutting_down'])
      .describe(
        '`degraded` (HTTP 503, like `shutting_down`, so a load balancer routes around it): storage is failing; submits get 503/507 until it recovers; `reason` says why.',
      ),
    version: z.string(),
    instance_id: z.string().describe('INSTANCE_ID of the instance that answered.'),
    storage: z.object({
      type: z.enum(['memory', 'sqlite', 'redis']),
      status: z.enum(['up', 'down']),
      reason: z.string().nullable().describe('Why storage is down; null while it is up.'),
      code: z.enum(['STORAGE_FULL', 'STORAGE_UNAVAILABLE']).nullable().describe('What submits get while it is down (507 or 503); null while up.'),
      since: z.string().nullable().describe('When writes started failing; null if none has failed.'),
      pending_writes: z.number().int().describe('Finished tasks whose final record or events wait for storage to recover.'),
    }),
    reason: z.string().optional().describe('Why the status is `degraded`.'),
    active_sessions: z.number().int().nullable().describe('Open (not expired) sessions; null while storage is down.'),
    active_tasks: z.number().int().describe('Running tasks.'),
    queued_tasks: z.number().int().describe('Waiting tasks.'),
    uptime_seconds: z.number().int(),
    agent_processes: z
      .object({
        busy: z.number().int(),
        idle: z.number().int(),
        spare: z.number().int(),
        memory_bytes: z.number().int(),
      })
      .describe('Live Claude Code processes: running a task, kept for an idle session, or started ahead of need; their resident memory.'),
    isolation: z.enum(['bwrap', 'none']).describe("How agent processes are confined (AGENT_ISOLATION); see the README's Security section."),
    limits: z
      .object({
        mechanism: z
          .enum(['cgroup2', 'cgroup1', 'rlimit', 'none'])
          .describe('How the limits are enforced: cgroups (root, writable hierarchy), rlimits (otherwise: processes and /tmp only), or none (no sandbox).'),
        enforced: z.array(z.enum(['memory', 'pids', 'tmp', 'cpu'])).describe('Which limits hold with this mechanism.'),
        memory_max_bytes: z.number().int().describe('AGENT_MEMORY_MAX'),
        pids_max: z.number().int().describe('AGENT_PIDS_MAX'),
        tmp_size_bytes: z.number().int().describe('AGENT_TMP_SIZE'),
        cpu_weight: z.number().int().describe('AGENT_CPU_WEIGHT'),
      })
      .describe("Each agent sandbox's limits (the defaults; tenants may have their own in API_KEYS_FILE)."),
  })
  .meta({ id: 'Health' });

export const permissionAnswerResultSchema = z
  .object({
    task_id: z.string(),
    request_id: z.string(),
    decision: z.enum(['allow', 'deny']),
  })
  .meta({ id: 'PermissionAnswerResult', description: 'The answer was handed to the waiting tool call.' });
// Schedules' answers.
export * from './schedule-response-schemas.js';
