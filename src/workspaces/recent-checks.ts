/**
 * Workspaces that passed their check (workspace-preparation.ts) moments ago, per tenant. A task
 * that starts right after its submit was checked skips the second check before start: each is a
 * sandbox launch plus a walk of the workspace, and on a reused session the pair was a large part
 * of the server's own time per task. A task that waited longer in the queue is checked again.
 */
export class RecentWorkspaceChecks {
  private readonly passed = new Map<string, number>();

  constructor(
    private readonly ttlMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  record(tenantId: string, dir: string): void {
    const at = this.now();
    this.passed.set(`${tenantId}\0${dir}`, at);
    // Bounded by the tenants' recent submits: forget what expired.
    if (this.passed.size > 1_000) for (const [key, when] of this.passed) if (at - when > this.ttlMs) this.passed.delete(key);
  }

  /** Whether `dir` passed for `tenantId` within the TTL. */
  fresh(tenantId: string, dir: string): boolean {
    const when = this.passed.get(`${tenantId}\0${dir}`);
    return when !== undefined && this.now() - when <= this.ttlMs;
  }
}
