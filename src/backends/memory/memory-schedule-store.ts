import { compareRunsNewestFirst, compareSchedulesOldestFirst, MAX_RUNS_KEPT, type ScheduleStore } from '../../schedules/schedule-store.js';
import type { Schedule, ScheduleRun } from '../../schedules/schedule-types.js';

const copy = <T>(value: T): T => structuredClone(value);

/** Schedules in this process (STORAGE_TYPE=memory): one instance, so it always leads. */
export class MemoryScheduleStore implements ScheduleStore {
  private readonly schedules = new Map<string, Schedule>();
  private readonly runs = new Map<string, Map<string, ScheduleRun>>();

  async insertSchedule(schedule: Schedule): Promise<{ inserted: boolean; schedule: Schedule }> {
    const existing = this.schedules.get(schedule.schedule_id);
    if (existing) return { inserted: false, schedule: copy(existing) };
    this.schedules.set(schedule.schedule_id, copy(schedule));
    return { inserted: true, schedule: copy(schedule) };
  }

  async getSchedule(scheduleId: string): Promise<Schedule | null> {
    const found = this.schedules.get(scheduleId);
    return found ? copy(found) : null;
  }

  async replaceSchedule(next: Schedule, expectedVersion: number): Promise<boolean> {
    const stored = this.schedules.get(next.schedule_id);
    if (!stored || stored.version !== expectedVersion) return false;
    this.schedules.set(next.schedule_id, copy(next));
    return true;
  }

  async deleteSchedule(scheduleId: string): Promise<boolean> {
    this.runs.delete(scheduleId);
    return this.schedules.delete(scheduleId);
  }

  async listSchedules(tenantId?: string): Promise<Schedule[]> {
    return [...this.schedules.values()]
      .filter((s) => tenantId === undefined || s.tenant_id === tenantId)
      .sort(compareSchedulesOldestFirst)
      .map(copy);
  }

  async dueSchedules(nowIso: string, limit: number): Promise<Schedule[]> {
    return [...this.schedules.values()]
      .filter((s) => s.enabled && s.next_fire_at !== null && s.next_fire_at <= nowIso)
      .sort((a, b) => (a.next_fire_at! < b.next_fire_at! ? -1 : a.next_fire_at! > b.next_fire_at! ? 1 : compareSchedulesOldestFirst(a, b)))
      .slice(0, Math.max(0, limit))
      .map(copy);
  }

  async nextFireAt(): Promise<string | null> {
    let earliest: string | null = null;
    for (const s of this.schedules.values()) {
      if (s.enabled && s.next_fire_at !== null && (earliest === null || s.next_fire_at < earliest)) earliest = s.next_fire_at;
    }
    return earliest;
  }

  async recordRun(run: ScheduleRun): Promise<void> {
    if (!this.schedules.has(run.schedule_id)) return;
    const runs = this.runs.get(run.schedule_id) ?? new Map<string, ScheduleRun>();
    this.runs.set(run.schedule_id, runs);
    if (runs.has(run.task_id)) return;
    runs.set(run.task_id, copy(run));
    if (runs.size > MAX_RUNS_KEPT) {
      const oldest = [...runs.values()].sort(compareRunsNewestFirst).slice(MAX_RUNS_KEPT);
      for (const r of oldest) runs.delete(r.task_id);
    }
  }

  async listRuns(scheduleId: string, limit: number): Promise<ScheduleRun[]> {
    return [...(this.runs.get(scheduleId)?.values() ?? [])].sort(compareRunsNewestFirst).slice(0, Math.max(0, limit)).map(copy);
  }

  async holdLeadership(): Promise<boolean> {
    return true;
  }

  async releaseLeadership(): Promise<void> {}
}
