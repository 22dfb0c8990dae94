import type { Logger } from '../observability/logger.js';
import type { Store } from '../storage/store.js';

const BATCH = 200;
const DAY_MS = 86_400_000;

/**
 * Deletes finished tasks (and their events) older than the retention period. It works in
 * small batches and yields between them, so a large backlog never blocks requests.
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
      if (total > 0) this.logger.info('Pruned finished tasks past retention', { deleted: total, cutoff });
    } catch (error) {
      this.logger.error('Retention pass failed', { error });
    }
    return total;
  }
}
