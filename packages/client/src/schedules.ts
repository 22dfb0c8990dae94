import type { TaskStatus, WebhookEvent } from './api-constants.js';
import type { TaskTemplate } from './requests.js';

export const OVERLAP_POLICIES = ['skip', 'queue', 'replace'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

export const CATCH_UP_POLICIES = ['none', 'last'] as const;
export type CatchUpPolicy = (typeof CATCH_UP_POLICIES)[number];

export const SCHEDULE_SKIP_REASONS = ['overlap', 'missed', 'refused', 'error'] as const;
export type ScheduleSkipReason = (typeof SCHEDULE_SKIP_REASONS)[number];

/** The task each firing submits. */
export type ScheduleTaskRequest = TaskTemplate;

export interface CreateScheduleRequest {
  schedule_id?: string | undefined;
  /** 5 fields, or 6 with a leading seconds field. */
  cron: string;
  /** IANA name; default UTC. */
  timezone?: string | undefined;
  task: ScheduleTaskRequest;
  /** Default skip. */
  overlap?: OverlapPolicy | undefined;
  /** Default none. */
  catch_up?: CatchUpPolicy | undefined;
  /** Default true. */
  enabled?: boolean | undefined;
}

export interface UpdateScheduleRequest {
  cron?: string | undefined;
  timezone?: string | undefined;
  /** Replaces the whole template. */
  task?: ScheduleTaskRequest | undefined;
  overlap?: OverlapPolicy | undefined;
  catch_up?: CatchUpPolicy | undefined;
  enabled?: boolean | undefined;
}

export interface ScheduleTask {
  prompt: string;
  workspace: string | null;
  session_id: string | null;
  reuse_existing: boolean | null;
  options: Record<string, unknown>;
  webhook: { url: string; events?: WebhookEvent[] | undefined } | null;
}

export interface ScheduleSkip {
  fired_at: string;
  reason: ScheduleSkipReason;
  detail: string | null;
}

export interface Schedule {
  schedule_id: string;
  cron: string;
  timezone: string;
  task: ScheduleTask;
  overlap: OverlapPolicy;
  catch_up: CatchUpPolicy;
  enabled: boolean;
  created_at: string;
  updated_at: string;
  /** null while disabled. */
  next_fire_at: string | null;
  last_fired_at: string | null;
  last_skip: ScheduleSkip | null;
}

export interface ScheduleList {
  schedules: Schedule[];
}

export interface DeletedSchedule {
  schedule_id: string;
  deleted: true;
}

export interface ScheduleRun {
  task_id: string;
  fired_at: string;
  status: TaskStatus;
}

export interface ScheduleRunList {
  /** Newest first. */
  runs: ScheduleRun[];
}

export interface ListScheduleRunsQuery {
  limit?: number | undefined;
}
