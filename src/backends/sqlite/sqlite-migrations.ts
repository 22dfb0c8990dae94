import type Database from 'better-sqlite3';

export interface Migration {
  /** 1, 2, 3, ... in order; stored in PRAGMA user_version once applied. */
  version: number;
  up: string;
}

/**
 * The schema, as an append-only list: never edit a released migration, add a new one.
 * Nested fields (options, usage, error, event data) are JSON text; everything that is
 * filtered or sorted on has its own column and index.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up: `
      CREATE TABLE tasks (
        task_id      TEXT PRIMARY KEY NOT NULL,
        session_id   TEXT NOT NULL,
        prompt       TEXT NOT NULL,
        workspace    TEXT NOT NULL,
        options      TEXT NOT NULL,
        status       TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        started_at   TEXT,
        completed_at TEXT,
        result       TEXT,
        usage        TEXT NOT NULL,
        num_turns    INTEGER NOT NULL,
        cost_usd     REAL NOT NULL,
        duration_ms  INTEGER,
        error        TEXT,
        request_hash TEXT NOT NULL
      );
      -- newest-first paging (keyset on created_at, task_id)
      CREATE INDEX tasks_created ON tasks (created_at, task_id);
      -- status filter, the same paging within one status, and tasksWithStatus
      CREATE INDEX tasks_status_created ON tasks (status, created_at, task_id);
      -- retention
      CREATE INDEX tasks_completed ON tasks (completed_at);

      CREATE TABLE sessions (
        session_id          TEXT PRIMARY KEY NOT NULL,
        workspace           TEXT NOT NULL,
        status              TEXT NOT NULL,
        sdk_session_id      TEXT,
        created_at          TEXT NOT NULL,
        last_activity_at    TEXT NOT NULL,
        task_count          INTEGER NOT NULL,
        current_task_id     TEXT,
        cost_usd            REAL NOT NULL,
        sdk_cost_total_usd  REAL NOT NULL
      );

      CREATE TABLE events (
        task_id   TEXT NOT NULL,
        seq       INTEGER NOT NULL,
        type      TEXT NOT NULL,
        timestamp TEXT NOT NULL,
        data      TEXT NOT NULL,
        PRIMARY KEY (task_id, seq)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    up: `
      ALTER TABLE tasks ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
      ALTER TABLE sessions ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
      CREATE INDEX tasks_tenant_created ON tasks (tenant_id, created_at, task_id);
      CREATE INDEX tasks_tenant_status_created ON tasks (tenant_id, status, created_at, task_id);
    `,
  },
  {
    version: 3,
    up: `
      ALTER TABLE tasks ADD COLUMN webhook TEXT;
      ALTER TABLE tasks ADD COLUMN changed_files TEXT;

      CREATE TABLE webhook_deliveries (
        webhook_id       TEXT PRIMARY KEY NOT NULL,
        task_id          TEXT NOT NULL,
        tenant_id        TEXT NOT NULL,
        url              TEXT NOT NULL,
        event            TEXT NOT NULL,
        payload          TEXT NOT NULL,
        status           TEXT NOT NULL,
        attempts         INTEGER NOT NULL,
        next_attempt_at  TEXT,
        last_status_code INTEGER,
        last_error       TEXT,
        created_at       TEXT NOT NULL,
        delivered_at     TEXT
      );
      -- the dispatcher's due scan, and a task's deliveries
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
      CREATE INDEX webhook_deliveries_task ON webhook_deliveries (task_id, created_at);

      CREATE TABLE task_diffs (
        task_id TEXT PRIMARY KEY NOT NULL,
        diff    TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    up: `
      -- INSTANCE_ID of the instance that ran the task (one instance on SQLite, but the record says so)
      ALTER TABLE tasks ADD COLUMN instance_id TEXT;
    `,
  },
  {
    version: 5,
    up: `
      ALTER TABLE tasks ADD COLUMN structured_result TEXT;
    `,
  },
  {
    version: 6,
    up: `
      -- The schedule that started the task (null for tasks submitted otherwise)
      ALTER TABLE tasks ADD COLUMN schedule_id TEXT;

      -- The whole schedule is the JSON record; the columns beside it are what queries filter on
      CREATE TABLE schedules (
        schedule_id  TEXT PRIMARY KEY NOT NULL,
        tenant_id    TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        enabled      INTEGER NOT NULL,
        next_fire_at TEXT,
        version      INTEGER NOT NULL,
        record       TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX schedules_due ON schedules (enabled, next_fire_at);
      CREATE INDEX schedules_tenant ON schedules (tenant_id, created_at);

      CREATE TABLE schedule_runs (
        schedule_id TEXT NOT NULL,
        task_id     TEXT NOT NULL,
        fired_at    TEXT NOT NULL,
        PRIMARY KEY (schedule_id, task_id)
      ) WITHOUT ROWID;
      CREATE INDEX schedule_runs_newest ON schedule_runs (schedule_id, fired_at);
    `,
  },
  {
    version: 7,
    up: `
      -- The trigger that started the task; NULL for every other task.
      ALTER TABLE tasks ADD COLUMN trigger_id TEXT;
      CREATE TABLE triggers (
        trigger_id      TEXT PRIMARY KEY NOT NULL,
        tenant_id       TEXT NOT NULL,
        name            TEXT NOT NULL,
        task            TEXT NOT NULL,
        token_hash      TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        token_issued_at TEXT NOT NULL,
        last_fired_at   TEXT,
        fire_count      INTEGER NOT NULL
      );
      CREATE INDEX triggers_tenant_created ON triggers (tenant_id, created_at, trigger_id);
    `,
  },
  {
    version: 8,
    up: `
      -- Forked sessions: where each task left the conversation, and where a session was forked from.
      ALTER TABLE tasks ADD COLUMN fork_point TEXT;
      ALTER TABLE sessions ADD COLUMN forked_from TEXT;
      ALTER TABLE sessions ADD COLUMN last_turn_task_id TEXT;
    `,
  },
  {
    version: 9,
    up: `
      -- The task span's W3C trace context (JSON), so every instance continues the task's trace.
      ALTER TABLE tasks ADD COLUMN trace_context TEXT;
    `,
  },
  {
    version: 10,
    up: `
      -- Tenant secrets: the value only as ciphertext (AES-256-GCM, bound to tenant and name).
      CREATE TABLE secrets (
        tenant_id   TEXT NOT NULL,
        name        TEXT NOT NULL,
        ciphertext  TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        PRIMARY KEY (tenant_id, name)
      ) WITHOUT ROWID;
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database up to LATEST_SCHEMA_VERSION. Each pending migration runs in its own
 * IMMEDIATE transaction together with the user_version bump, and the version is re-read
 * inside it, so two processes opening the same file at once cannot both apply a migration.
 * Refuses a database written by a newer build rather than guessing at its schema.
 */
export function migrate(db: Database.Database, file: string): void {
  MIGRATIONS.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`sqlite migrations must be numbered 1, 2, 3, ...; found ${m.version} at position ${i + 1}`);
  });
  const tooNew = (version: number): Error =>
    new Error(
      `SQLite database ${file} has schema version ${version}, but this version of the daemon only knows up to ` +
        `${LATEST_SCHEMA_VERSION}; upgrade the daemon or use another database file`,
    );

  const current = userVersion(db);
  if (current > LATEST_SCHEMA_VERSION) throw tooNew(current);

  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      const now = userVersion(db);
      if (now > LATEST_SCHEMA_VERSION) throw tooNew(now);
      if (now >= migration.version) return; // another process got here first
      db.exec(migration.up);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
