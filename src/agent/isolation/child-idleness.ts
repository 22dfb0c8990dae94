import type { ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * For a long-lived helper process of the server's (a worker sandbox, a resident program): while it
 * works it holds the server's event loop, and when idle it holds nothing (no timer, no pipe) and
 * is told to exit, by the end of its stdin, once idle for idleMs.
 */
export class ChildIdleness {
  private timer: NodeJS.Timeout | null = null;
  private ended = false;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly idleMs: number,
  ) {}

  busy(): void {
    this.stop();
    this.hold(true);
  }

  idle(): void {
    this.stop();
    this.hold(false);
    this.timer = setTimeout(() => {
      this.ended = true;
      this.child.stdin.end();
    }, this.idleMs);
    this.timer.unref();
  }

  /**
   * It was told to exit: it takes no more work, though it has not exited yet (work written to it
   * now would find its stdin closed).
   */
  get retired(): boolean {
    return this.ended;
  }

  /** The child is gone: no timer is left behind. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private hold(on: boolean): void {
    const { child } = this;
    for (const handle of [child, child.stdin, child.stdout, child.stderr] as Array<{ ref?: () => void; unref?: () => void }>) {
      if (on) handle.ref?.();
      else handle.unref?.();
    }
  }
}
