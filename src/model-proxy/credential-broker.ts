import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The token one agent process holds instead of the model key. */
export interface ProcessCredential {
  readonly token: string;
  /** The process starts a task's turn: its model calls now count for that task. */
  activate(taskId: string): void;
  /** The turn ended: until the next activate(), the token is refused. */
  deactivate(): void;
  /** The process is gone: the token is never valid again. */
  revoke(): void;
}

interface Entry {
  token: Buffer;
  taskId: string | null;
}

const TOKEN_PREFIX = 'ccs-proxy-';

/**
 * Mints one random token per agent process and says, for a token presented to the model proxy,
 * which task it currently serves. A token is valid only between activate() and deactivate(): a
 * spare started before its task was known, or a token copied out of a finished task, gets 401.
 *
 * Entries are keyed by the token's SHA-256, so a lookup never compares the secret byte by byte
 * with a Map's string equality; the stored token is then checked with timingSafeEqual.
 */
export class CredentialBroker {
  private readonly entries = new Map<string, Entry>();

  mint(): ProcessCredential {
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const digest = digestOf(token);
    const entry: Entry = { token: Buffer.from(token), taskId: null };
    this.entries.set(digest, entry);
    return {
      token,
      activate: (taskId) => {
        if (this.entries.get(digest) === entry) entry.taskId = taskId;
      },
      deactivate: () => {
        entry.taskId = null;
      },
      revoke: () => {
        entry.taskId = null;
        if (this.entries.get(digest) === entry) this.entries.delete(digest);
      },
    };
  }

  /** The task a presented token currently serves, or null (unknown, revoked or between tasks). */
  taskFor(presented: string | undefined): string | null {
    if (presented === undefined || presented === '') return null;
    const entry = this.entries.get(digestOf(presented));
    if (!entry) return null;
    const given = Buffer.from(presented);
    if (given.length !== entry.token.length || !timingSafeEqual(given, entry.token)) return null;
    return entry.taskId;
  }

  /** Tokens minted and not yet revoked (one per live or spare agent process). */
  get size(): number {
    return this.entries.size;
  }
}

function digestOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
