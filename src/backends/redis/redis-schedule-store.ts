import { compareSchedulesOldestFirst, MAX_RUNS_KEPT, type ScheduleStore } from '../../schedules/schedule-store.js';
import type { Schedule, ScheduleRun } from '../../schedules/schedule-types.js';
import { LuaScript } from './lua-script.js';
import { asStorageError, type RedisClient, type RedisConnection } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';

const REPLACE_SCHEDULE = LuaScript.load('replace-schedule');
const DELETE_SCHEDULE = LuaScript.load('delete-schedule');
const RECORD_SCHEDULE_RUN = LuaScript.load('record-schedule-run');
const HOLD_SCHEDULE_LEASE = LuaScript.load('hold-schedule-lease');
const RELEASE_SCHEDULE_LEASE = LuaScript.load('release-schedule-lease');

const parse = (json: string): Schedule => JSON.parse(json) as Schedule;

/**
 * Schedules shared by every instance: one hash of JSON records (a deployment has few schedules,
 * so listings read it whole), a sorted set of runs per schedule, and the leader lease, a key
 * with a TTL that its holder renews. Version checks and lease moves are Lua, so they are atomic.
 */
export class RedisScheduleStore implements ScheduleStore {
  private readonly keys: RedisKeys;

  constructor(private readonly connection: RedisConnection) {
    this.keys = new RedisKeys(connection.prefix);
  }

  async insertSchedule(schedule: Schedule): Promise<{ inserted: boolean; schedule: Schedule }> {
    const key = this.keys.schedules();
    const added = await this.call((c) => c.hSetNX(key, schedule.schedule_id, JSON.stringify(schedule)));
    if (Number(added) === 1) return { inserted: true, schedule: structuredClone(schedule) };
    const stored = await this.getSchedule(schedule.schedule_id);
    // Deleted between the two calls: as if it had just been inserted by the other writer and removed.
    return { inserted: false, schedule: stored ?? structuredClone(schedule) };
  }

  async getSchedule(scheduleId: string): Promise<Schedule | null> {
    const json = await this.call((c) => c.hGet(this.keys.schedules(), scheduleId));
    return json === null || json === undefined ? null : parse(String(json));
  }

  async replaceSchedule(next: Schedule, expectedVersion: number): Promise<boolean> {
    const reply = await this.call((c) => REPLACE_SCHEDULE.run(c, [this.keys.schedules()], [next.schedule_id, expectedVersion, JSON.stringify(next)]));
    return Number(reply) === 1;
  }

  async deleteSchedule(scheduleId: string): Promise<boolean> {
    const reply = await this.call((c) => DELETE_SCHEDULE.run(c, [this.keys.schedules(), this.keys.scheduleRuns(scheduleId)], [scheduleId]));
    return Number(reply) === 1;
  }

  async listSchedules(tenantId?: string): Promise<Schedule[]> {
    return (await this.all()).filter((s) => tenantId === undefined || s.tenant_id === tenantId).sort(compareSchedulesOldestFirst);
  }

  async dueSchedules(nowIso: string, limit: number): Promise<Schedule[]> {
    return (await this.all())
      .filter((s) => s.enabled && s.next_fire_at !== null && s.next_fire_at <= nowIso)
      .sort((a, b) => (a.next_fire_at! < b.next_fire_at! ? -1 : a.next_fire_at! > b.next_fire_at! ? 1 : compareSchedulesOldestFirst(a, b)))
      .slice(0, Math.max(0, limit));
  }

  async nextFireAt(): Promise<string | null> {
    let earliest: string | null = null;
    for (const s of await this.all()) {
      if (s.enabled && s.next_fire_at !== null && (earliest === null || s.next_fire_at < earliest)) earliest = s.next_fire_at;
    }
    return earliest;
  }

  async recordRun(run: ScheduleRun): Promise<void> {
    const score = Date.parse(run.fired_at);
    await this.call((c) =>
      RECORD_SCHEDULE_RUN.run(c, [this.keys.schedules(), this.keys.scheduleRuns(run.schedule_id)], [run.schedule_id, score, run.task_id, MAX_RUNS_KEPT]),
    );
  }

  async listRuns(scheduleId: string, limit: number): Promise<ScheduleRun[]> {
    const count = Math.max(0, Math.floor(limit));
    if (count === 0) return [];
    const entries = await this.call((c) => c.zRangeWithScores(this.keys.scheduleRuns(scheduleId), 0, count - 1, { REV: true }));
    return entries.map((e) => ({ schedule_id: scheduleId, task_id: String(e.value), fired_at: new Date(e.score).toISOString() }));
  }

  async holdLeadership(holder: string, leaseMs: number): Promise<boolean> {
    const reply = await this.call((c) => HOLD_SCHEDULE_LEASE.run(c, [this.keys.scheduleLeader()], [holder, Math.max(1, Math.floor(leaseMs))]));
    return Number(reply) === 1;
  }

  async releaseLeadership(holder: string): Promise<void> {
    await this.call((c) => RELEASE_SCHEDULE_LEASE.run(c, [this.keys.scheduleLeader()], [holder]));
  }

  private async all(): Promise<Schedule[]> {
    const values = await this.call((c) => c.hVals(this.keys.schedules()));
    return values.map((v) => parse(String(v)));
  }

  private async call<T>(fn: (client: RedisClient) => Promise<T>): Promise<T> {
    try {
      return await this.connection.run(fn);
    } catch (error) {
      throw asStorageError(error);
    }
  }
}
