import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { isSqliteBusy, sqliteFileInUse } from '../../server/in-use-by-another-server.js';
import type { TaskEvent } from '../../events/event-types.js';
import type { Session, SessionPatch } from '../../sessions/session-types.js';
import { TERMINAL_STATUSES, type Task, type TaskPatch, type TaskStatus } from '../../tasks/task-types.js';
import type { WebhookDelivery, WebhookDeliveryPatch } from '../../webhooks/webhook-types.js';
import { migrate } from './sqlite-migrations.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import { SqliteTaskListings } from './sqlite-task-listings.js';
import { SqliteTriggerStore } from './sqlite-trigger-store.js';
import {
  applyPatch,
  eventToRow,
  rowToEvent,
  insertSql,
  rowLimit,
  updateSql,
  rowToSession,
  rowToTask,
  SESSION_COLUMNS,
  sessionToRow,
  TASK_COLUMNS,
  taskToRow,
  type EventRow,
  type SessionRow,
  type TaskRow,
} from './sqlite-rows.js';
import { EventSeqConflictError, type Page, type Store, type TaskListQuery } from '../../storage/store.js';

const BUSY_TIMEOUT_MS = 5_000;
const TERMINAL_JSON = JSON.stringify([...TERMINAL_STATUSES]);

/**
 * The Store on one SQLite file through better-sqlite3 (synchronous, so every method runs to
 * completion before the next starts; transactions make the multi-statement ones atomic against
 * other connections too). WAL with synchronous=NORMAL: a commit survives a crash of the process.
 */
export class SqliteStore implements Store {
  private closed = false;

  private readonly insertTaskStmt;
  private readonly getTaskStmt;
  private readonly updateTaskStmt;
  private readonly listings: SqliteTaskListings;
  private readonly tasksWithStatusStmt;
  private readonly pruneCandidatesStmt;
  private readonly deleteTaskStmt;
  private readonly deleteEventsStmt;
  private readonly insertSessionStmt;
  private readonly getSessionStmt;
  private readonly updateSessionStmt;
  private readonly deleteSessionStmt;
  private readonly listSessionsStmt;
  private readonly insertEventStmt;
  private readonly readEventsStmt;
  private readonly lastSeqStmt;
  private readonly tenantSpendStmt;
  private readonly saveDiffStmt;
  private readonly getDiffStmt;
  private readonly deleteDiffStmt;

  private readonly insertTaskTx;
  private readonly updateTaskTx;
  private readonly insertSessionTx;
  private readonly updateSessionTx;
  private readonly pruneTx;
  private readonly appendEventTx;
  private readonly probeTx;
  private readonly outbox: SqliteOutbox;
  /** The same file's triggers (the backend hands them out as its TriggerStore). */
  readonly triggers: SqliteTriggerStore;

  /** Opens (creating if needed) the database file and brings its schema up to date. */
  static open(file: string): SqliteStore {
    mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    try {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      // One server owns the file. Exclusive locking keeps the WAL index in this process's heap
      // instead of a memory-mapped -shm file: a -shm that cannot be extended (full disk) or
      // written would otherwise kill the process with SIGBUS. It must be set before WAL mode.
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, file);
      return new SqliteStore(db);
    } catch (error) {
      db.close();
      throw isSqliteBusy(error) ? sqliteFileInUse(file) : error;
    }
  }

  /** The open database, for the stores that share its file (schedules): it is opened once, exclusively. */
  get database(): Database.Database {
    return this.db;
  }

  private constructor(private readonly db: Database.Database) {
    this.insertTaskStmt = db.prepare<[TaskRow]>(insertSql('tasks', TASK_COLUMNS, 'task_id'));
    this.getTaskStmt = db.prepare<[string], TaskRow>('SELECT * FROM tasks WHERE task_id = ?');
    this.updateTaskStmt = db.prepare<[TaskRow], TaskRow>(updateSql('tasks', TASK_COLUMNS, 'task_id'));
    this.listings = new SqliteTaskListings(db);
    this.tasksWithStatusStmt = db.prepare<[string], TaskRow>(
      'SELECT * FROM tasks WHERE status IN (SELECT value FROM json_each(?)) ORDER BY created_at ASC, task_id ASC',
    );
    this.pruneCandidatesStmt = db
      .prepare<[string, string, number], string>(
        // The completed_at range, oldest first; the planner would otherwise pick the status index
        // and sort every finished task on each batch.
        'SELECT task_id FROM tasks INDEXED BY tasks_completed ' +
          'WHERE completed_at < ? AND status IN (SELECT value FROM json_each(?)) ORDER BY completed_at ASC LIMIT ?',
      )
      .pluck();
    this.deleteTaskStmt = db.prepare<[string]>('DELETE FROM tasks WHERE task_id = ?');
    this.deleteEventsStmt = db.prepare<[string]>('DELETE FROM events WHERE task_id = ?');

    this.insertSessionStmt = db.prepare<[SessionRow]>(insertSql('sessions', SESSION_COLUMNS, 'session_id'));
    this.getSessionStmt = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE session_id = ?');
    this.updateSessionStmt = db.prepare<[SessionRow], SessionRow>(updateSql('sessions', SESSION_COLUMNS, 'session_id'));
    this.deleteSessionStmt = db.prepare<[string]>('DELETE FROM sessions WHERE session_id = ?');
    this.listSessionsStmt = db.prepare<[], SessionRow>('SELECT * FROM sessions ORDER BY created_at ASC, session_id ASC');

    this.insertEventStmt = db.prepare<[EventRow]>('INSERT INTO events (task_id, seq, type, timestamp, data) VALUES (@task_id, @seq, @type, @timestamp, @data)');
    this.readEventsStmt = db.prepare<[string, number, number], EventRow>('SELECT * FROM events WHERE task_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?');
    this.lastSeqStmt = db.prepare<[string], number>('SELECT COALESCE(MAX(seq), 0) FROM events WHERE task_id = ?').pluck();
    this.tenantSpendStmt = db.prepare<[string, string], number>('SELECT COALESCE(SUM(cost_usd), 0) FROM tasks WHERE tenant_id = ? AND created_at >= ?').pluck();
    this.saveDiffStmt = db.prepare<[string, string]>(
      'INSERT INTO task_diffs (task_id, diff) VALUES (?, ?) ON CONFLICT (task_id) DO UPDATE SET diff = excluded.diff',
    );
    this.getDiffStmt = db.prepare<[string], string>('SELECT diff FROM task_diffs WHERE task_id = ?').pluck();
    this.deleteDiffStmt = db.prepare<[string]>('DELETE FROM task_diffs WHERE task_id = ?');
    this.outbox = new SqliteOutbox(db);
    this.triggers = new SqliteTriggerStore(db);

    this.insertTaskTx = db.transaction((task: Task): { inserted: boolean; task: Task } => {
      if (this.insertTaskStmt.run(taskToRow(task)).changes === 1) return { inserted: true, task: structuredClone(task) };
      return { inserted: false, task: rowToTask(this.getTaskStmt.get(task.task_id) as TaskRow) };
    });
    this.updateTaskTx = db.transaction((taskId: string, patch: TaskPatch): Task | null => {
      const row = this.getTaskStmt.get(taskId);
      if (!row) return null;
      const next = { ...applyPatch(rowToTask(row), patch), task_id: taskId };
      return rowToTask(this.updateTaskStmt.get(taskToRow(next)) as TaskRow);
    });
    this.insertSessionTx = db.transaction((session: Session): { inserted: boolean; session: Session } => {
      if (this.insertSessionStmt.run(sessionToRow(session)).changes === 1) return { inserted: true, session: structuredClone(session) };
      return { inserted: false, session: rowToSession(this.getSessionStmt.get(session.session_id) as SessionRow) };
    });
    this.updateSessionTx = db.transaction((sessionId: string, patch: SessionPatch): Session | null => {
      const row = this.getSessionStmt.get(sessionId);
      if (!row) return null;
      const next = { ...applyPatch(rowToSession(row), patch), session_id: sessionId };
      return rowToSession(this.updateSessionStmt.get(sessionToRow(next)) as SessionRow);
    });
    this.pruneTx = db.transaction((cutoffIso: string, limit: number): number => {
      const ids = this.pruneCandidatesStmt.all(cutoffIso, TERMINAL_JSON, limit);
      for (const id of ids) {
        this.deleteEventsStmt.run(id);
        this.deleteDiffStmt.run(id);
        this.outbox.deleteForTask(id);
        this.deleteTaskStmt.run(id);
      }
      return ids.length;
    });
    this.appendEventTx = db.transaction((event: TaskEvent): void => {
      const expected = (this.lastSeqStmt.get(event.task_id) ?? 0) + 1;
      if (event.seq !== expected) throw new EventSeqConflictError(event.task_id, expected, event.seq);
      this.insertEventStmt.run(eventToRow(event));
    });
    // Insert and delete in one committed transaction: the page is still written to the WAL.
    // Bound, not inlined: a NUL byte cannot appear in SQL text, and no real task id has one.
    const probeId = '\u0000storage-probe';
    const probeInsert = db.prepare<[string]>("INSERT INTO events (task_id, seq, type, timestamp, data) VALUES (?, 0, 'probe', '', '{}')");
    const probeDelete = db.prepare<[string]>('DELETE FROM events WHERE task_id = ?');
    this.probeTx = db.transaction((): void => {
      probeInsert.run(probeId);
      probeDelete.run(probeId);
    });
  }

  async probe(): Promise<void> {
    this.probeTx.immediate();
  }

  async insertTask(task: Task): Promise<{ inserted: boolean; task: Task }> {
    return this.insertTaskTx.immediate(task);
  }

  async getTask(taskId: string): Promise<Task | null> {
    const row = this.getTaskStmt.get(taskId);
    return row ? rowToTask(row) : null;
  }

  async updateTask(taskId: string, patch: TaskPatch): Promise<Task | null> {
    return this.updateTaskTx.immediate(taskId, patch);
  }

  async listTasks(query: TaskListQuery): Promise<Page<Task>> {
    return this.listings.page(query);
  }

  async tasksWithStatus(statuses: readonly TaskStatus[]): Promise<Task[]> {
    if (statuses.length === 0) return [];
    return this.tasksWithStatusStmt.all(JSON.stringify(statuses)).map(rowToTask);
  }

  async pruneFinishedBefore(cutoffIso: string, limit: number): Promise<number> {
    const max = rowLimit(limit);
    return max === 0 ? 0 : this.pruneTx.immediate(cutoffIso, max);
  }

  async insertSession(session: Session): Promise<{ inserted: boolean; session: Session }> {
    return this.insertSessionTx.immediate(session);
  }

  async getSession(sessionId: string): Promise<Session | null> {
    const row = this.getSessionStmt.get(sessionId);
    return row ? rowToSession(row) : null;
  }

  async updateSession(sessionId: string, patch: SessionPatch): Promise<Session | null> {
    return this.updateSessionTx.immediate(sessionId, patch);
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    return this.deleteSessionStmt.run(sessionId).changes > 0;
  }

  async listSessions(): Promise<Session[]> {
    return this.listSessionsStmt.all().map(rowToSession);
  }

  async tenantSpendSince(tenantId: string, sinceIso: string): Promise<number> {
    return this.tenantSpendStmt.get(tenantId, sinceIso) ?? 0;
  }

  async saveTaskDiff(taskId: string, diff: string): Promise<void> {
    this.saveDiffStmt.run(taskId, diff);
  }

  async getTaskDiff(taskId: string): Promise<string | null> {
    return this.getDiffStmt.get(taskId) ?? null;
  }

  async insertWebhookDelivery(delivery: WebhookDelivery): Promise<void> {
    this.outbox.insert(delivery);
  }

  async claimDueWebhookDeliveries(nowIso: string, leaseUntilIso: string, limit: number): Promise<WebhookDelivery[]> {
    return this.outbox.claimDue(nowIso, leaseUntilIso, limit);
  }

  async updateWebhookDelivery(webhookId: string, patch: WebhookDeliveryPatch): Promise<void> {
    this.outbox.update(webhookId, patch);
  }

  async listWebhookDeliveries(taskId: string): Promise<WebhookDelivery[]> {
    return this.outbox.listForTask(taskId);
  }

  async appendEvent(event: TaskEvent): Promise<void> {
    this.appendEventTx.immediate(event);
  }

  async readEvents(taskId: string, afterSeq: number, limit = Number.MAX_SAFE_INTEGER): Promise<TaskEvent[]> {
    const max = rowLimit(limit);
    return max === 0 ? [] : this.readEventsStmt.all(taskId, afterSeq, max).map(rowToEvent);
  }

  async lastEventSeq(taskId: string): Promise<number> {
    return this.lastSeqStmt.get(taskId) ?? 0;
  }

  /** Checkpoints the WAL into the main file and closes; later calls do nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
    }
  }
}
