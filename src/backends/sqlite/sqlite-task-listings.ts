import type Database from 'better-sqlite3';
import { decodeCursor, encodeCursor, type Page, type TaskListQuery } from '../../storage/store.js';
import type { Task } from '../../tasks/task-types.js';
import { rowLimit, rowToTask, type TaskRow } from './sqlite-rows.js';

interface ListParams {
  tenant: string | null;
  status: string | null;
  c_at: string | null;
  c_id: string | null;
  limit: number;
}

/** Task listings for SqliteStore: newest first, paged by a (created_at, task_id) cursor. */
export class SqliteTaskListings {
  private readonly statements = new Map<string, Database.Statement<[ListParams], TaskRow>>();

  constructor(db: Database.Database) {
    // One prepared statement per combination of filters, so each can use its index.
    for (const tenant of [false, true]) {
      for (const status of [false, true]) {
        for (const cursor of [false, true]) {
          const where = [
            ...(tenant ? ['tenant_id = @tenant'] : []),
            ...(status ? ['status = @status'] : []),
            ...(cursor ? ['(created_at, task_id) < (@c_at, @c_id)'] : []),
          ];
          this.statements.set(
            `${tenant}|${status}|${cursor}`,
            db.prepare<[ListParams], TaskRow>(
              `SELECT * FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` + 'ORDER BY created_at DESC, task_id DESC LIMIT @limit',
            ),
          );
        }
      }
    }
  }

  page(query: TaskListQuery): Page<Task> {
    // An undecodable cursor is ignored (first page), exactly as in MemoryStore.
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const limit = rowLimit(query.limit);
    const stmt = this.statements.get(`${query.tenant_id !== undefined}|${query.status !== undefined}|${after !== null}`)!;
    const rows = stmt.all({
      tenant: query.tenant_id ?? null,
      status: query.status ?? null,
      c_at: after?.[0] ?? null,
      c_id: after?.[1] ?? null,
      limit: limit + 1,
    });
    const items = rows.slice(0, limit).map(rowToTask);
    const last = items[items.length - 1];
    return { items, next_cursor: rows.length > limit && last ? encodeCursor(last) : null };
  }
}
