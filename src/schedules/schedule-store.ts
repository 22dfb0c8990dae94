import type { Schedule, ScheduleRun } from './schedule-types.js';

/** How many runs each schedule keeps; older ones are dropped as new ones are recorded. */
export const MAX_RUNS_KEPT = 1000;

/**
 * Where schedules and their runs are kept: one adapter per backend (memory, sqlite, redis),
 * held to test/contract/schedule-store.contract.ts. Rules every adapter keeps:
 *
 * - Methods return copies; mutating one changes nothing stored.
 * - insertSchedule is insert-if-absent: on a clash it returns the stored record, untouched.
 * - replaceSchedule is compare-and-set on `version`: it writes `next` (whose version must be
 *   expected + 1) only while the stored version is still `expected`, so that two writers (a PATCH
 *   and the firing loop, or two instances) can never lose each other's update.
 * - recordRun is idempotent by task id; listRuns is newest first (fired_at, then task_id).
 * - deleteSchedule removes the schedule's runs too.
 * - holdLeadership elects one firing instance: true while `holder` holds (or just took) the
 *   lease, renewing it for `leaseMs`. Single-instance backends always answer true.
 */
export interface ScheduleStore {
  insertSchedule(schedule: Schedule): Promise<{ inserted: boolean; schedule: Schedule }>;
  getSchedule(scheduleId: string): Promise<Schedule | null>;
  replaceSchedule(next: Schedule, expectedVersion: number): Promise<boolean>;
  deleteSchedule(scheduleId: string): Promise<boolean>;
  /** A tenant's schedules (every schedule without one), oldest first (created_at, then schedule_id). */
  listSchedules(tenantId?: string): Promise<Schedule[]>;
  /** Enabled schedules whose next_fire_at is at or before `nowIso`, earliest first. */
  dueSchedules(nowIso: string, limit: number): Promise<Schedule[]>;
  /** The earliest next_fire_at of any enabled schedule, or null: how long the loop may sleep. */
  nextFireAt(): Promise<string | null>;
  recordRun(run: ScheduleRun): Promise<void>;
  listRuns(scheduleId: string, limit: number): Promise<ScheduleRun[]>;
  holdLeadership(holder: string, leaseMs: number): Promise<boolean>;
  /** Gives the lease up (at shutdown) so that another instance takes over at once. */
  releaseLeadership(holder: string): Promise<void>;
}

/** Newest first: fired_at, then task_id, descending. */
export function compareRunsNewestFirst(a: ScheduleRun, b: ScheduleRun): number {
  if (a.fired_at !== b.fired_at) return a.fired_at < b.fired_at ? 1 : -1;
  return a.task_id < b.task_id ? 1 : a.task_id > b.task_id ? -1 : 0;
}

/** Oldest first: created_at, then schedule_id. */
export function compareSchedulesOldestFirst(a: Schedule, b: Schedule): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.schedule_id < b.schedule_id ? -1 : a.schedule_id > b.schedule_id ? 1 : 0;
}
