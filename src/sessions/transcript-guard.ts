/**
 * Keeps this instance from reusing a live agent process whose conversation is out of date.
 * With a shared queue, a session may run a task on another instance in between; the process
 * kept here has not seen that turn, and reusing it would make the agent forget it. The
 * session record's `task_count` serves as the transcript version: every task that runs in the
 * session increments it (markBusy), one task at a time. A process here is current only if the
 * last task it ran was the one just before this one.
 */
export class TranscriptGuard {
  private readonly lastRunHere = new Map<string, number>();

  constructor(private readonly closeLiveProcess: (sessionId: string) => void) {}

  /** Called as a task starts here, after markBusy counted it. */
  beforeRun(sessionId: string, taskCount: number): void {
    const last = this.lastRunHere.get(sessionId);
    if (last !== undefined && last !== taskCount - 1) this.closeLiveProcess(sessionId);
    this.lastRunHere.set(sessionId, taskCount);
  }

  /** Whether a live process here would be stale for the next task of a session at `taskCount`. */
  isStale(sessionId: string, taskCount: number): boolean {
    const last = this.lastRunHere.get(sessionId);
    return last !== undefined && last !== taskCount;
  }

  forget(sessionId: string): void {
    this.lastRunHere.delete(sessionId);
  }
}
