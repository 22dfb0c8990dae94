import type { Logger } from '../observability/logger.js';
import { StorageUnavailableError, type StorageFault } from './storage-unavailable.js';

export { StorageUnavailableError, type StorageFault } from './storage-unavailable.js';

const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);
const FAULT_PREFIXES = [
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_READONLY',
  'SQLITE_CANTOPEN',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_BUSY',
  'SQLITE_PROTOCOL',
];
const FAULT_ERRNOS = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EACCES', 'EPERM', 'ECONNREFUSED', 'ECONNRESET']);

/** Whether an error means storage itself failed (as opposed to a bad request or a bug), and how. */
export function classifyStorageError(error: unknown): StorageFault | null {
  if (error instanceof StorageUnavailableError) return error.fault;
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  if (!FAULT_PREFIXES.some((prefix) => code.startsWith(prefix)) && !FAULT_ERRNOS.has(code)) return null;
  return { full: FULL_CODES.has(code), reason: `${code}: ${error.message}`.slice(0, 300) };
}

export type StorageState = { status: 'ok' } | { status: 'degraded'; code: 'STORAGE_FULL' | 'STORAGE_UNAVAILABLE'; reason: string; since: string };

type Deferred = { label: string; write: () => Promise<void> };

/**
 * The server's view of its storage. The first write that fails for a storage reason marks it
 * degraded; from then on writes fail fast (no half-done work piles up), and a probe write runs
 * every interval. When a probe succeeds the writes that had to wait (a task's final record and
 * events) are replayed in order, and the server is healthy again, without a restart.
 */
export class StorageHealth {
  private fault: (StorageFault & { since: Date }) | null = null;
  private readonly deferred: Deferred[] = [];
  private timer: NodeJS.Timeout | undefined;
  private probing = false;
  private readonly listeners: Array<(state: StorageState) => void> = [];

  constructor(
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get degraded(): boolean {
    return this.fault !== null;
  }

  /** Writes waiting for storage to come back. */
  get pendingWrites(): number {
    return this.deferred.length;
  }

  state(): StorageState {
    if (!this.fault) return { status: 'ok' };
    return {
      status: 'degraded',
      code: this.fault.full ? 'STORAGE_FULL' : 'STORAGE_UNAVAILABLE',
      reason: this.fault.reason,
      since: this.fault.since.toISOString(),
    };
  }

  onChange(listener: (state: StorageState) => void): void {
    this.listeners.push(listener);
  }

  /** Records a failure if it is a storage one; returns the error to throw in its place, or null. */
  noteFailure(error: unknown): StorageUnavailableError | null {
    const fault = classifyStorageError(error);
    if (!fault) return null;
    if (!this.fault) {
      this.fault = { ...fault, since: this.now() };
      this.logger.error('Storage failed; refusing new work until it recovers', { reason: fault.reason, full: fault.full });
      this.emit();
    }
    return new StorageUnavailableError(fault);
  }

  /** Throws at once while degraded, so new work is refused before anything is half-written. */
  assertWritable(): void {
    if (this.fault) throw new StorageUnavailableError(this.fault);
  }

  /** Keeps a write that failed for a storage reason, to be done once storage works again. */
  defer(label: string, write: () => Promise<void>): void {
    this.deferred.push({ label, write });
  }

  /** Probes every interval while degraded (and replays deferred writes when it is not). */
  start(probe: () => Promise<void>, intervalMs: number): void {
    this.timer = setInterval(() => void this.check(probe), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One probe (and replay) round; exposed so shutdown and tests need not wait for the timer. */
  async check(probe: () => Promise<void>): Promise<void> {
    if (this.probing || (!this.fault && this.deferred.length === 0)) return;
    this.probing = true;
    try {
      if (this.fault) {
        try {
          await probe();
        } catch (error) {
          this.logger.debug('Storage probe failed', { error });
          return;
        }
        const downFor = this.now().getTime() - this.fault.since.getTime();
        this.fault = null;
        this.logger.info('Storage recovered', { down_ms: downFor, pending_writes: this.deferred.length });
        this.emit();
      }
      await this.replay();
    } finally {
      this.probing = false;
    }
  }

  private async replay(): Promise<void> {
    while (this.deferred.length > 0) {
      const next = this.deferred[0]!;
      try {
        await next.write();
      } catch (error) {
        if (this.noteFailure(error)) return; // still failing: keep it (and the rest) for the next round
        this.logger.error('Deferred storage write failed; dropped', { label: next.label, error });
      }
      this.deferred.shift();
    }
  }

  private emit(): void {
    const state = this.state();
    for (const listener of this.listeners) listener(state);
  }
}
