import type { AgentSandbox } from '../agent/isolation/agent-sandbox.js';
import { prepareWorkspace } from './workspace-preparation.js';

/** How long a full check made at submit stands in for the one as the task starts. */
const FRESH_MS = 1000;

/**
 * Every check the server makes of a tenant's workspace, each as the tenant in its sandbox (see
 * workspace-preparation.ts); each throws a WORKSPACE_* DomainError when the workspace is unusable.
 * The server only checks paths as text; what is on disk it learns from the sandbox's answer.
 *
 * A task's workspace is checked at submit (so a client hears of a bad one at once), a reused
 * session's too (its folder may have been removed or replaced since), and again as the task starts
 * (it may have waited in the queue). A check that passed at submit less than a second earlier is
 * not repeated: a task that starts at once would pay for the same walk twice, on its way to the
 * agent.
 */
export class WorkspaceChecks {
  /** When the full check at each task's submit passed, and of which directory. */
  private readonly passed = new Map<string, { dir: string; at: number }>();
  /** The directory of each task that started here and has not ended. */
  private readonly running = new Map<string, string>();
  /** When a task in each directory last ended (kept for freshMs). */
  private readonly lastEnded = new Map<string, number>();

  constructor(
    private readonly sandbox: AgentSandbox,
    private readonly now: () => number = () => performance.now(),
    private readonly freshMs: number = FRESH_MS,
  ) {}

  /** The workspace a client names for a task: created if missing, looked through. Resolves with its real path. */
  async resolve(tenantId: string, taskId: string, requested: string): Promise<string> {
    const real = await prepareWorkspace(this.sandbox, this.sandbox.identityFor(tenantId), requested);
    const now = this.now();
    for (const [id, check] of this.passed) if (now - check.at >= this.freshMs) this.passed.delete(id);
    this.passed.set(taskId, { dir: real, at: now });
    return real;
  }

  /**
   * As a task starts in `dir`: a full check, unless the one at its own submit passed a moment ago
   * and no other task has run in `dir` since (an agent there may have changed it, or died because
   * someone else did).
   */
  async beforeStart(tenantId: string, taskId: string, dir: string): Promise<void> {
    const atSubmit = this.passed.get(taskId);
    this.passed.delete(taskId);
    const othersRan = [...this.running.values()].includes(dir) || (atSubmit !== undefined && (this.lastEnded.get(dir) ?? -Infinity) >= atSubmit.at);
    this.running.set(taskId, dir);
    if (atSubmit?.dir === dir && this.now() - atSubmit.at < this.freshMs && !othersRan) return;
    await prepareWorkspace(this.sandbox, this.sandbox.identityFor(tenantId), dir);
  }

  /** A task that started here has ended (whatever its outcome). */
  ended(taskId: string): void {
    const dir = this.running.get(taskId);
    if (dir === undefined) return;
    this.running.delete(taskId);
    const now = this.now();
    for (const [d, at] of this.lastEnded) if (now - at >= this.freshMs) this.lastEnded.delete(d);
    this.lastEnded.set(dir, now);
  }
}
