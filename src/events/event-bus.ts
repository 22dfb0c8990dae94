/**
 * The seam that carries "task X has new events" between instances. EventLog wakes its own
 * waiters on every local append; a bus adds the appends made elsewhere (another instance
 * sharing the store). Readers still read every event from the store, so a wake-up only says
 * "look again": a lost or duplicated one can delay a reader but never make it skip or repeat.
 */
export interface EventBus {
  /**
   * Calls `listener` with the task id of each append anywhere, or with null when appends may
   * have been missed (e.g. after the bus reconnected) and every reader should look again.
   * Returns an unsubscribe function.
   */
  onAppend(listener: (taskId: string | null) => void): () => void;
  /**
   * How often (ms) a waiting reader looks again even without a wake-up, as a safety net for a
   * wake-up lost in transit; null when none can be lost (in-process).
   */
  readonly safetyPollMs: number | null;
  close(): Promise<void>;
}
