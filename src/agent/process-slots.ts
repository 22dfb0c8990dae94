/**
 * SESSION_MAX_CONCURRENT as a bound on agent processes at every instant. A process holds a slot
 * from the moment it is being started (a spare being prewarmed, a task's cold start) until its
 * OS process is gone: closing or evicting one does not free its slot until it has exited, so a
 * replacement is never started alongside a process that is still shutting down.
 */
export class ProcessSlots {
  private readonly exiting = new Set<Promise<void>>();
  private reservedCount = 0;
  private waitingCount = 0;
  private wakeups: (() => void)[] = [];

  /**
   * @param limit the bound
   * @param held processes that hold a slot outside this class (live and spare ones)
   */
  constructor(
    readonly limit: number,
    private readonly held: () => number,
  ) {}

  get inUse(): number {
    return this.held() + this.exiting.size + this.reservedCount;
  }

  get exitingCount(): number {
    return this.exiting.size;
  }

  /** Whether a background start (a spare) may take a slot: never while a task waits for one. */
  get hasRoomForSpare(): boolean {
    return this.waitingCount === 0 && this.inUse < this.limit;
  }

  /** A process is on its way out: it keeps its slot until `gone` settles. */
  trackExit(gone: Promise<void>, onGone?: () => void): void {
    this.exiting.add(gone);
    void gone.finally(() => {
      this.exiting.delete(gone);
      onGone?.();
      this.changed();
    });
  }

  /** Wakes whoever waits for a slot: call whenever a process may have become free or evictable. */
  changed(): void {
    const wakeups = this.wakeups.splice(0);
    for (const wake of wakeups) wake();
  }

  /**
   * Waits until a slot is free and reserves it. `freeOne` is asked to start closing a process (an
   * idle one, a spare) whenever fewer are on their way out than there are tasks waiting; between
   * attempts it waits for a process to exit or a turn to end. Gives up without a reservation
   * (false) as soon as `useInstead()` says the caller can do without one, e.g. a spare it can
   * claim has finished starting. Release a reservation with `release()` once the started
   * process is counted by `held`.
   */
  async reserve(freeOne: () => boolean, useInstead: () => boolean = () => false): Promise<boolean> {
    this.waitingCount++;
    try {
      while (this.inUse >= this.limit) {
        if (useInstead()) return false;
        if (this.exiting.size < this.waitingCount && freeOne()) continue;
        await new Promise<void>((resolve) => this.wakeups.push(resolve));
      }
      this.reservedCount++;
      return true;
    } finally {
      this.waitingCount--;
    }
  }

  /** Keeps the slot of a process that leaves `held` (a spare being claimed) until it is counted again. */
  takeOver(): void {
    this.reservedCount++;
  }

  release(): void {
    this.reservedCount--;
    this.changed();
  }

  /** Resolves once every process on its way out is gone. */
  async drain(): Promise<void> {
    await Promise.all([...this.exiting]);
  }
}
