import type { SandboxPlace } from './sandbox-command.js';
import { ResidentProgram, type ResidentLaunch, type ResidentProgramSource } from './resident-program.js';

/**
 * A tenant with no question for this long gives its program's process back. Longer than a
 * worker's minute: starting one (a sandbox and node) costs tens of milliseconds on a submit's
 * path, and an idle one costs only its few megabytes.
 */
const IDLE_MS = 5 * 60_000;

/** How a program's process is started for a place: its command line in that place's sandbox. */
export type ResidentLauncher<P extends SandboxPlace> = (place: P, program: ResidentProgramSource) => ResidentLaunch;

/**
 * The resident programs' processes: one per program and place (a tenant's tree, masks and
 * user), started at its first question and kept until it has been idle for a while. Questions
 * to one process are answered one after another, in the order asked; a question that finds its
 * process gone (killed for a late or malformed answer, or out of memory) starts a new one.
 */
export class ResidentPrograms<P extends SandboxPlace = SandboxPlace> {
  private readonly running = new Map<string, ResidentProgram>();
  /** The last question asked of each process key: the next one waits for it. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly launcher: ResidentLauncher<P>,
    private readonly idleMs = IDLE_MS,
  ) {}

  ask(place: P, program: ResidentProgramSource, request: object, timeoutMs: number): Promise<unknown> {
    const key = JSON.stringify([program.name, place.workspaceRoot, place.masked, place.user]);
    const previous = this.queues.get(key) ?? Promise.resolve();
    const asked = previous.catch(() => undefined).then(() => this.processFor(key, place, program).ask(request, timeoutMs));
    const settled = asked.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return asked;
  }

  /** Stops every process (at shutdown); a question from now on gets a process of its own, stopped once answered. */
  close(): void {
    this.closed = true;
    for (const program of this.running.values()) program.kill();
    this.running.clear();
  }

  private processFor(key: string, place: P, program: ResidentProgramSource): ResidentProgram {
    const alive = this.running.get(key);
    if (alive?.alive) return alive;
    if (this.closed) return new ResidentProgram(program, this.launcher(place, program), 0, () => undefined);
    const started = new ResidentProgram(program, this.launcher(place, program), this.idleMs, (gone) => {
      if (this.running.get(key) === gone) this.running.delete(key);
    });
    this.running.set(key, started);
    return started;
  }
}
