import type Database from 'better-sqlite3';
import { MAX_RUNS_KEPT, type ScheduleStore } from '../../schedules/schedule-store.js';
import type { Schedule, ScheduleRun } from '../../schedules/schedule-types.js';

interface ScheduleRow {
  schedule_id: string;
  tenant_id: string;
  created_at: string;
  enabled: number;
  next_fire_at: string | null;
  version: number;
  record: string;
}

const toRow = (s: Schedule): ScheduleRow => ({
  schedule_id: s.schedule_id,
  tenant_id: s.tenant_id,
  created_at: s.created_at,
  enabled: s.enabled ? 1 : 0,
  next_fire_at: s.next_fire_at,
  version: s.version,
  record: JSON.stringify(s),
});

const fromRow = (row: ScheduleRow): Schedule => JSON.parse(row.record) as Schedule;

/**
 * Schedules in the server's SQLite file (tables `schedules` and `schedule_runs`, migration 7),
 * on the store's own connection: one server owns the file, so it always leads.
 */
export class SqliteScheduleStore implements ScheduleStore {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly replaceStmt;
  private readonly deleteStmt;
  private readonly deleteRunsStmt;
  private readonly listAllStmt;
  private readonly listTenantStmt;
  private readonly dueStmt;
  private readonly nextStmt;
  private readonly insertRunStmt;
  private readonly trimRunsStmt;
  private readonly listRunsStmt;
  private readonly deleteTx;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare<[ScheduleRow]>(
      'INSERT INTO schedules (schedule_id, tenant_id, created_at, enabled, next_fire_at, version, record) ' +
        'VALUES (@schedule_id, @tenant_id, @created_at, @enabled, @next_fire_at, @version, @record) ON CONFLICT (schedule_id) DO NOTHING',
    );
    this.getStmt = db.prepare<[string], ScheduleRow>('SELECT * FROM schedules WHERE schedule_id = ?');
    this.replaceStmt = db.prepare<[ScheduleRow & { expected: number }]>(
      'UPDATE schedules SET enabled = @enabled, next_fire_at = @next_fire_at, version = @version, record = @record ' +
        'WHERE schedule_id = @schedule_id AND version = @expected',
    );
    this.deleteStmt = db.prepare<[string]>('DELETE FROM schedules WHERE schedule_id = ?');
    this.deleteRunsStmt = db.prepare<[string]>('DELETE FROM schedule_runs WHERE schedule_id = ?');
    this.listAllStmt = db.prepare<[], ScheduleRow>('SELECT * FROM schedules ORDER BY created_at ASC, schedule_id ASC');
    this.listTenantStmt = db.prepare<[string], ScheduleRow>('SELECT * FROM schedules WHERE tenant_id = ? ORDER BY created_at ASC, schedule_id ASC');
    this.dueStmt = db.prepare<[string, number], ScheduleRow>(
      'SELECT * FROM schedules WHERE enabled = 1 AND next_fire_at IS NOT NULL AND next_fire_at <= ? ' +
        'ORDER BY next_fire_at ASC, created_at ASC, schedule_id ASC LIMIT ?',
    );
    this.nextStmt = db.prepare<[], string | null>('SELECT MIN(next_fire_at) FROM schedules WHERE enabled = 1').pluck();
    this.insertRunStmt = db.prepare<[ScheduleRun]>(
      'INSERT INTO schedule_runs (schedule_id, task_id, fired_at) SELECT @schedule_id, @task_id, @fired_at ' +
        'WHERE EXISTS (SELECT 1 FROM schedules WHERE schedule_id = @schedule_id) ON CONFLICT DO NOTHING',
    );
    this.trimRunsStmt = db.prepare<[string, string, number]>(
      'DELETE FROM schedule_runs WHERE schedule_id = ? AND task_id IN ' +
        '(SELECT task_id FROM schedule_runs WHERE schedule_id = ? ORDER BY fired_at DESC, task_id DESC LIMIT -1 OFFSET ?)',
    );
    this.listRunsStmt = db.prepare<[string, number], ScheduleRun>(
      'SELECT schedule_id, task_id, fired_at FROM schedule_runs WHERE schedule_id = ? ORDER BY fired_at DESC, task_id DESC LIMIT ?',
    );
    this.deleteTx = db.transaction((scheduleId: string): boolean => {
      this.deleteRunsStmt.run(scheduleId);
      return this.deleteStmt.run(scheduleId).changes === 1;
    });
  }

  async insertSchedule(schedule: Schedule): Promise<{ inserted: boolean; schedule: Schedule }> {
    if (this.insertStmt.run(toRow(schedule)).changes === 1) return { inserted: true, schedule: structuredClone(schedule) };
    return { inserted: false, schedule: fromRow(this.getStmt.get(schedule.schedule_id)!) };
  }

  async getSchedule(scheduleId: string): Promise<Schedule | null> {
    const row = this.getStmt.get(scheduleId);
    return row ? fromRow(row) : null;
  }

  async replaceSchedule(next: Schedule, expectedVersion: number): Promise<boolean> {
    return this.replaceStmt.run({ ...toRow(next), expected: expectedVersion }).changes === 1;
  }

  async deleteSchedule(scheduleId: string): Promise<boolean> {
    return this.deleteTx(scheduleId);
  }

  async listSchedules(tenantId?: string): Promise<Schedule[]> {
    return (tenantId === undefined ? this.listAllStmt.all() : this.listTenantStmt.all(tenantId)).map(fromRow);
  }

  async dueSchedules(nowIso: string, limit: number): Promise<Schedule[]> {
    return this.dueStmt.all(nowIso, Math.max(0, Math.floor(limit))).map(fromRow);
  }

  async nextFireAt(): Promise<string | null> {
    return this.nextStmt.get() ?? null;
  }

  async recordRun(run: ScheduleRun): Promise<void> {
    const { schedule_id, task_id, fired_at } = run;
    if (this.insertRunStmt.run({ schedule_id, task_id, fired_at }).changes === 1) this.trimRunsStmt.run(schedule_id, schedule_id, MAX_RUNS_KEPT);
  }

  async listRuns(scheduleId: string, limit: number): Promise<ScheduleRun[]> {
    return this.listRunsStmt.all(scheduleId, Math.max(0, Math.floor(limit)));
  }

  async holdLeadership(): Promise<boolean> {
    return true;
  }

  async releaseLeadership(): Promise<void> {}
}
