export {
  CATCH_UP_POLICIES,
  OVERLAP_POLICIES,
  SCHEDULE_SKIP_REASONS as SKIP_REASONS,
  type CatchUpPolicy,
  type OverlapPolicy,
} from '../../packages/client/src/types.js';
import type { CatchUpPolicy, OverlapPolicy, ScheduleSkipReason, TaskTemplate } from '../../packages/client/src/types.js';

/** What each firing submits (the firing derives its task_id). */
export type ScheduleTaskTemplate = TaskTemplate;

export interface ScheduleSkip {
  /** The tick that was skipped. */
  fired_at: string;
  reason: ScheduleSkipReason;
  /** The refusal's error code or message, when a submit was refused. */
  detail: string | null;
}

export interface Schedule {
  /** Internal id: the client's schedule_id, namespaced by tenant like task ids. */
  schedule_id: string;
  tenant_id: string;
  cron: string;
  timezone: string;
  task: ScheduleTaskTemplate;
  overlap: OverlapPolicy;
  catch_up: CatchUpPolicy;
  enabled: boolean;
  created_at: string;
  updated_at: string;
  /** The next tick to fire; null while disabled (or when the expression has no future time). */
  next_fire_at: string | null;
  last_fired_at: string | null;
  last_skip: ScheduleSkip | null;
  /** Fingerprint of the creating body: a retry with the same schedule_id is told from a conflict. */
  request_hash: string;
  /** Bumped by every write; writers compare it so that no update is lost between instances. */
  version: number;
}

/** One task a schedule started. Its status is read from the task itself. */
export interface ScheduleRun {
  schedule_id: string;
  task_id: string;
  fired_at: string;
}
