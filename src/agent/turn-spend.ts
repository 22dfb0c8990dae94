import type { SdkQuery } from './sdk.js';

/**
 * What one turn has spent so far, for a task's max_budget_usd. The SDK reports cost only on
 * result messages, which is too late to stop a task in the middle; the CLI's usage control
 * request reports the process's running total at any time, so the turn's spend is that total
 * minus the one at its start. The SDK marks that request experimental: any failure makes this
 * answer null, and the budget is then checked on the result alone.
 */
export class TurnSpend {
  private startTotal: number | null = null;

  constructor(private readonly query: SdkQuery) {}

  async begin(): Promise<void> {
    this.startTotal = await this.total();
  }

  /** USD spent since begin(), or null when it cannot be known. */
  async sinceBegin(): Promise<number | null> {
    if (this.startTotal === null) return null;
    const now = await this.total();
    return now === null ? null : Math.max(0, now - this.startTotal);
  }

  private async total(): Promise<number | null> {
    try {
      const usage = await this.query.usage_EXPERIMENTAL_MAY_CHANGE_DO_NOT_RELY_ON_THIS_API_YET({ skipBehaviors: true });
      const total = usage.session.total_cost_usd;
      return typeof total === 'number' && Number.isFinite(total) ? total : null;
    } catch {
      return null;
    }
  }
}
