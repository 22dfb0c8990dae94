import { z } from 'zod';
import { CATCH_UP_POLICIES, OVERLAP_POLICIES, SKIP_REASONS } from '../schedules/schedule-types.js';
import { WEBHOOK_EVENTS } from '../webhooks/webhook-types.js';
import { nullableTimestamp, taskStatusSchema, timestamp } from './common-schemas.js';

export const scheduleTaskViewSchema = z
  .object({
    prompt: z.string(),
    workspace: z.string().nullable(),
    session_id: z.string().nullable(),
    reuse_existing: z.boolean().nullable(),
    options: z.record(z.string(), z.unknown()).describe('As given (the task options of a submission).'),
    webhook: z.object({ url: z.string(), events: z.array(z.enum(WEBHOOK_EVENTS)).optional() }).nullable(),
  })
  .meta({ id: 'ScheduleTask', description: 'The task each firing submits.' });

export const scheduleSkipSchema = z
  .object({
    fired_at: timestamp.describe('The tick that started no task.'),
    reason: z
      .enum(SKIP_REASONS)
      .describe('overlap: the previous run was still going; missed: no instance ran then; refused: the submit was refused; error: it failed.'),
    detail: z.string().nullable().describe('The refusal (an error code and message), when there was one.'),
  })
  .meta({ id: 'ScheduleSkip' });

export const scheduleSchema = z
  .object({
    schedule_id: z.string(),
    cron: z.string(),
    timezone: z.string(),
    task: scheduleTaskViewSchema,
    overlap: z.enum(OVERLAP_POLICIES),
    catch_up: z.enum(CATCH_UP_POLICIES),
    enabled: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
    next_fire_at: nullableTimestamp.describe('The next tick; null while disabled.'),
    last_fired_at: nullableTimestamp.describe('The last tick that started a task.'),
    last_skip: scheduleSkipSchema.nullable().describe('The last tick that started none, and why.'),
  })
  .meta({ id: 'Schedule' });

export const scheduleListSchema = z.object({ schedules: z.array(scheduleSchema) }).meta({ id: 'ScheduleList' });

export const deletedScheduleSchema = z.object({ schedule_id: z.string(), deleted: z.literal(true) }).meta({ id: 'DeletedSchedule' });

export const scheduleRunSchema = z
  .object({
    task_id: z.string(),
    fired_at: timestamp.describe('The tick the task was started for.'),
    status: taskStatusSchema.describe("The task's current status."),
  })
  .meta({ id: 'ScheduleRun' });

export const scheduleRunListSchema = z.object({ runs: z.array(scheduleRunSchema).describe('Newest first.') }).meta({ id: 'ScheduleRunList' });
