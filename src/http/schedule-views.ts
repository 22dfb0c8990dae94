import type { Schedule } from '../schedules/schedule-types.js';
import { externalId } from '../tenancy/tenant.js';

/** A schedule as the API shows it: the client's own id, no tenant, hash or version. */
export function scheduleView(schedule: Schedule) {
  const { task } = schedule;
  return {
    schedule_id: externalId(schedule.schedule_id),
    cron: schedule.cron,
    timezone: schedule.timezone,
    task: {
      prompt: task.prompt,
      workspace: task.workspace ?? null,
      session_id: task.session_id ?? null,
      reuse_existing: task.reuse_existing ?? null,
      options: { ...task.options },
      webhook: task.webhook ?? null,
    },
    overlap: schedule.overlap,
    catch_up: schedule.catch_up,
    enabled: schedule.enabled,
    created_at: schedule.created_at,
    updated_at: schedule.updated_at,
    next_fire_at: schedule.next_fire_at,
    last_fired_at: schedule.last_fired_at,
    last_skip: schedule.last_skip,
  };
}
