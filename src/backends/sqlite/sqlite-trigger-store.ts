import type Database from 'better-sqlite3';
import type { FireWindow, Trigger, TriggerStore, TriggerTaskTemplate } from '../../triggers/trigger-types.js';
import { FireWindows } from '../memory/memory-trigger-store.js';

interface TriggerRow {
  trigger_id: string;
  tenant_id: string;
  name: string;
  task: string;
  token_hash: string;
  created_at: string;
  token_issued_at: string;
  last_fired_at: string | null;
  fire_count: number;
}

const rowToTrigger = (row: TriggerRow): Trigger => ({ ...row, task: JSON.parse(row.task) as TriggerTaskTemplate });

/** Triggers in the `triggers` table (migration 8); fire windows in this process (one instance). */
export class SqliteTriggerStore implements TriggerStore {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly replaceTokenStmt;
  private readonly recordFireStmt;
  private readonly deleteStmt;
  private readonly windows = new FireWindows();

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare<[TriggerRow]>(
      'INSERT INTO triggers (trigger_id, tenant_id, name, task, token_hash, created_at, token_issued_at, last_fired_at, fire_count) ' +
        'VALUES (@trigger_id, @tenant_id, @name, @task, @token_hash, @created_at, @token_issued_at, @last_fired_at, @fire_count) ON CONFLICT (trigger_id) DO NOTHING',
    );
    this.getStmt = db.prepare<[string], TriggerRow>('SELECT * FROM triggers WHERE trigger_id = ?');
    this.listStmt = db.prepare<[string], TriggerRow>('SELECT * FROM triggers WHERE tenant_id = ? ORDER BY created_at ASC, trigger_id ASC');
    this.replaceTokenStmt = db.prepare<[string, string, string], TriggerRow>(
      'UPDATE triggers SET token_hash = ?, token_issued_at = ? WHERE trigger_id = ? RETURNING *',
    );
    this.recordFireStmt = db.prepare<[string, string]>('UPDATE triggers SET fire_count = fire_count + 1, last_fired_at = ? WHERE trigger_id = ?');
    this.deleteStmt = db.prepare<[string]>('DELETE FROM triggers WHERE trigger_id = ?');
  }

  async insert(trigger: Trigger): Promise<boolean> {
    return this.insertStmt.run({ ...trigger, task: JSON.stringify(trigger.task) }).changes === 1;
  }

  async get(triggerId: string): Promise<Trigger | null> {
    const row = this.getStmt.get(triggerId);
    return row ? rowToTrigger(row) : null;
  }

  async listByTenant(tenantId: string): Promise<Trigger[]> {
    return this.listStmt.all(tenantId).map(rowToTrigger);
  }

  async replaceToken(triggerId: string, tokenHash: string, issuedAt: string): Promise<Trigger | null> {
    const row = this.replaceTokenStmt.get(tokenHash, issuedAt, triggerId);
    return row ? rowToTrigger(row) : null;
  }

  async recordFire(triggerId: string, firedAt: string): Promise<void> {
    this.recordFireStmt.run(firedAt, triggerId);
  }

  async delete(triggerId: string): Promise<boolean> {
    return this.deleteStmt.run(triggerId).changes === 1;
  }

  async countFireAttempt(triggerId: string, windowMs: number): Promise<FireWindow> {
    return this.windows.count(triggerId, windowMs);
  }
}
