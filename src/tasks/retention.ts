import type { Logger } from '../observability/logger.js';
import type { Store } from '../storage/store.js';

const BATCH = 200;
const DAY_MS = 86_400_000;

/**
 * Deletes finished tasks (and their events) older than the retention period, and sessions that
 * expired before it. Tasks go in small batches with a yield between them, so a large backlog
 * never blocks requests.
 */
export class Retention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | null = null;

  constructor(
    private readonly store: Store,
    private readonly retentionDays: number,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly now: () => Date,
  ) {}

  start(): void {
    if (this.retentionDays <= 0) return;
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
    void this.runOnce();
  }

  stop(): Promise<number | void> {
    clearInterval(this.timer);
    return this.running ?? Promise.resolve();
  }

  /** One pass; concurrent calls share it. Resolves with the number of tasks deleted. */
  runOnce(): Promise<number> {
    this.running ??= this.prune().finally(() => (this.running = null));
    return this.running;
  }

  /** Expired sessions unused since before the cutoff go too, or every scan of sessions would grow forever. */
  private async pruneExpiredSessions(cutoff: string): Promise<number> {
    let deleted = 0;
    for (const session of await this.store.listSessions()) {
      if (session.status !== 'expired' || session.last_activity_at >= cutoff) continue;
      if (await this.store.deleteSession(session.session_id)) deleted++;
    }
    return deleted;
  }

  private async prune(): Promise<number> {
    const cutoff = new Date(this.now().getTime() - this.retentionDays * DAY_MS).toISOString();
    let total = 0;
    try {
      for (;;) {
        const deleted = await this.store.pruneFinishedBefore(cutoff, BATCH);
        total += deleted;
        if (deleted < BATCH) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      const sessions = await this.pruneExpiredSessions(cutoff);
      if (total > 0 || sessions > 0) this.logger.info('Pruned past retention', { tasks_deleted: total, sessions_deleted: sessions, cutoff });
    } catch (error) {
      this.logger.error('Retention pass failed', { error });
    }
    return total;
  }
}
