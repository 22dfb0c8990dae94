/**
 * Why a task's agent process had to be started cold (agent_cold_starts_total{cause}):
 * - no_spare: a new session, and the warm pool was empty (size 0, all claimed, or still starting);
 * - profile_mismatch: spares (or the session's process) exist, but for another spawn spec (sandbox identity);
 * - claim_refused: the spare refused the claim (e.g. the folder's settings), so the task started cold;
 * - resume: a session resumed with no record of a live process (e.g. after a server restart);
 * - evicted: its process was closed to make room under SESSION_MAX_CONCURRENT;
 * - session_closed: its process was closed after SESSION_IDLE_TIMEOUT_SECONDS;
 * - process_died: its process exited by itself or failed (killed, out of memory, crashed).
 */
export const COLD_START_CAUSES = ['no_spare', 'profile_mismatch', 'claim_refused', 'resume', 'evicted', 'session_closed', 'process_died'] as const;
export type ColdStartCause = (typeof COLD_START_CAUSES)[number];

/** Sessions remembered at most; the oldest are forgotten first (their next start counts as `resume`). */
const MAX_REMEMBERED = 10_000;

/** Why each session lost its live process, kept until its next task starts. */
export class LostProcesses {
  private readonly causes = new Map<string, ColdStartCause>();

  set(sessionId: string, cause: ColdStartCause): void {
    this.causes.delete(sessionId);
    this.causes.set(sessionId, cause);
    if (this.causes.size > MAX_REMEMBERED) this.causes.delete(this.causes.keys().next().value!);
  }

  take(sessionId: string): ColdStartCause | undefined {
    const cause = this.causes.get(sessionId);
    this.causes.delete(sessionId);
    return cause;
  }
}
