import { z } from 'zod';
import { CATCH_UP_POLICIES, OVERLAP_POLICIES } from '../schedules/schedule-types.js';
import { webhookRequestSchema } from '../webhooks/webhook-request.js';
import { idField, MAX_PROMPT_CHARS, taskOptionsSchema } from './schemas.js';

/** What each firing submits: the fields of a task submission, with the session fields flat. */
export const scheduleTaskSchema = z.strictObject({
  prompt: z.string().trim().min(1, 'prompt must not be empty').max(MAX_PROMPT_CHARS),
  workspace: z.string().min(1).max(4096).optional(),
  session_id: idField('session_id').optional().describe('Every firing joins this session (created by the first one).'),
  reuse_existing: z.boolean().optional().describe('Default: join the session when it exists, create it when it does not.'),
  options: taskOptionsSchema.optional(),
  webhook: webhookRequestSchema.optional(),
});

const cronField = z.string().trim().min(1, 'cron must not be empty').max(200).describe('5 fields, or 6 with a leading seconds field (croner syntax).');
const timezoneField = z.string().trim().min(1).max(100).describe('IANA time zone the expression is read in.');
const overlapField = z.enum(OVERLAP_POLICIES).describe('When the previous run is still queued or running: skip this tick, queue behind it, or interrupt it.');
const catchUpField = z.enum(CATCH_UP_POLICIES).describe('Ticks missed while no instance ran: fire none, or fire the most recent one once.');

export const createScheduleSchema = z.strictObject({
  schedule_id: idField('schedule_id').optional(),
  cron: cronField,
  timezone: timezoneField.default('UTC'),
  task: scheduleTaskSchema,
  overlap: overlapField.default('skip'),
  catch_up: catchUpField.default('none'),
  enabled: z.boolean().default(true),
});

export const updateScheduleSchema = z.strictObject({
  cron: cronField.optional(),
  timezone: timezoneField.optional(),
  task: scheduleTaskSchema.optional().describe('Replaces the whole template.'),
  overlap: overlapField.optional(),
  catch_up: catchUpField.optional(),
  enabled: z.boolean().optional(),
});

export const listScheduleRunsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
