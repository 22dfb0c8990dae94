/**
 * Files that one running server owns (its DATA_DIR, its SQLite databases) are already held by
 * another: a start-up refusal that says which and what to change, in one line (exit code 2).
 */
export class InUseByAnotherServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InUseByAnotherServerError';
  }
}

/** SQLite's answer when another process holds the lock it needs (better-sqlite3's error code). */
export function isSqliteBusy(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'SQLITE_BUSY';
}

/** The refusal for a SQLite file (the store's or the transcripts') that another server holds open. */
export function sqliteFileInUse(file: string): InUseByAnotherServerError {
  return new InUseByAnotherServerError(`The SQLite database ${file} is in use by another running server: give each instance its own STORAGE_SQLITE_PATH`);
}
