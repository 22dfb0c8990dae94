import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { isSqliteBusy, sqliteFileInUse } from '../../server/in-use-by-another-server.js';
import type { SdkSessionKey, SdkSessionStore, SdkSessionStoreEntry } from '../../agent/sdk.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS transcript_entries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_key TEXT NOT NULL,
  session_id TEXT NOT NULL,
  subpath TEXT NOT NULL DEFAULT '',
  uuid TEXT,
  entry TEXT NOT NULL,
  written_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS transcript_entries_key ON transcript_entries (project_key, session_id, subpath, seq);
CREATE UNIQUE INDEX IF NOT EXISTS transcript_entries_uuid ON transcript_entries (project_key, session_id, subpath, uuid) WHERE uuid IS NOT NULL;
`;

/**
 * Claude Code transcripts in SQLite (STORAGE_TYPE=sqlite), in their own file beside the main
 * database so a long conversation never slows the task tables. One row per transcript line, in
 * append order; a line with a `uuid` is stored once (the SDK retries appends).
 */
export class SqliteTranscriptStore implements SdkSessionStore {
  private readonly insert;
  private readonly select;
  private readonly sessions;
  private readonly subkeys;
  private readonly deleteOne;
  private readonly deleteAll;
  private readonly appendMany;

  private constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {
    this.insert = db.prepare('INSERT OR IGNORE INTO transcript_entries (project_key, session_id, subpath, uuid, entry, written_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.select = db.prepare<[string, string, string], { entry: string }>(
      'SELECT entry FROM transcript_entries WHERE project_key = ? AND session_id = ? AND subpath = ? ORDER BY seq',
    );
    this.sessions = db.prepare<[string], { session_id: string; mtime: number }>(
      "SELECT session_id, MAX(written_at) AS mtime FROM transcript_entries WHERE project_key = ? AND subpath = '' GROUP BY session_id",
    );
    this.subkeys = db.prepare<[string, string], { subpath: string }>(
      "SELECT DISTINCT subpath FROM transcript_entries WHERE project_key = ? AND session_id = ? AND subpath <> ''",
    );
    this.deleteOne = db.prepare('DELETE FROM transcript_entries WHERE project_key = ? AND session_id = ? AND subpath = ?');
    this.deleteAll = db.prepare('DELETE FROM transcript_entries WHERE project_key = ? AND session_id = ?');
    this.appendMany = db.transaction((key: SdkSessionKey, entries: SdkSessionStoreEntry[], at: number) => {
      for (const entry of entries) {
        const uuid = typeof entry.uuid === 'string' ? entry.uuid : null;
        this.insert.run(key.projectKey, key.sessionId, key.subpath ?? '', uuid, JSON.stringify(entry), at);
      }
    });
  }

  static open(file: string, now: () => number = Date.now): SqliteTranscriptStore {
    mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    try {
      // Owned by one server, like the main file: exclusive locking keeps the WAL index off a
      // memory-mapped -shm file, which a full disk would turn into SIGBUS (see SqliteStore.open).
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
      return new SqliteTranscriptStore(db, now);
    } catch (error) {
      db.close();
      throw isSqliteBusy(error) ? sqliteFileInUse(file) : error;
    }
  }

  append(key: SdkSessionKey, entries: SdkSessionStoreEntry[]): Promise<void> {
    this.appendMany(key, entries, Math.floor(this.now()));
    return Promise.resolve();
  }

  load(key: SdkSessionKey): Promise<SdkSessionStoreEntry[] | null> {
    const rows = this.select.all(key.projectKey, key.sessionId, key.subpath ?? '');
    return Promise.resolve(rows.length === 0 ? null : rows.map((r) => JSON.parse(r.entry) as SdkSessionStoreEntry));
  }

  listSessions(projectKey: string): Promise<Array<{ sessionId: string; mtime: number }>> {
    return Promise.resolve(this.sessions.all(projectKey).map((r) => ({ sessionId: r.session_id, mtime: r.mtime })));
  }

  delete(key: SdkSessionKey): Promise<void> {
    // Deleting a main transcript takes its subagent transcripts with it.
    if (key.subpath === undefined) this.deleteAll.run(key.projectKey, key.sessionId);
    else this.deleteOne.run(key.projectKey, key.sessionId, key.subpath);
    return Promise.resolve();
  }

  listSubkeys(key: { projectKey: string; sessionId: string }): Promise<string[]> {
    return Promise.resolve(this.subkeys.all(key.projectKey, key.sessionId).map((r) => r.subpath));
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}
