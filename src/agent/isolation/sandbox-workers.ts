import { isInside } from '../../lib/paths.js';
import type { SandboxCommand, SandboxCommandResult, SandboxPlace } from './sandbox-command.js';
import { SandboxWorker, type WorkerLaunch } from './sandbox-worker.js';

/** Two per tenant: a task's baseline and another task's workspace check need not queue. */
const WORKERS_PER_PLACE = 2;
/** A tenant with no work for this long gives its workers back. */
const IDLE_MS = 60_000;
/** Room in a worker's private /tmp for one answer (the largest tracking output, with margin). */
export const WORKER_TMP_BYTES = 512 * 1024 * 1024;

/** How a worker for a place is started: its bwrap command line for these read-write binds. */
export type WorkerLauncher<P extends SandboxPlace> = (place: P, binds: readonly string[]) => WorkerLaunch;

/**
 * The long-lived worker sandboxes, a few per tenant (a place: the tenant's tree, masks and
 * user). A command runs in an idle worker whose binds cover what it needs; an idle worker that
 * lacks a path is replaced by one that binds it too (a tenant's scratch directory, once). When
 * every worker of the tenant is busy the caller starts a sandbox of its own, as it always could.
 */
export class SandboxWorkers<P extends SandboxPlace = SandboxPlace> {
  private readonly byPlace = new Map<string, SandboxWorker[]>();
  private closed = false;

  constructor(
    private readonly launcher: WorkerLauncher<P>,
    private readonly idleMs = IDLE_MS,
  ) {}

  /** The command's result from a worker, or null when none can take it now. */
  tryRun(place: P, cmd: SandboxCommand, env: Record<string, string>): Promise<SandboxCommandResult> | null {
    if (this.closed || !cmd.reusable || cmd.input !== undefined || place.user === null) return null;
    const key = JSON.stringify([place.workspaceRoot, place.masked, place.user]);
    const workers = (this.byPlace.get(key) ?? []).filter((w) => w.alive);
    const needed = [place.workspaceRoot, ...(cmd.readWrite ?? [])];
    const covers = (w: SandboxWorker): boolean => needed.every((p) => w.binds.some((bind) => isInside(p, bind)));
    let worker = workers.find((w) => !w.busy && covers(w));
    if (!worker) {
      const stale = workers.find((w) => !w.busy);
      if (stale) {
        stale.kill();
        workers.splice(workers.indexOf(stale), 1);
      }
      if (workers.length >= WORKERS_PER_PLACE) return null;
      const binds = [...new Set([...needed, ...workers.flatMap((w) => w.binds)])];
      worker = new SandboxWorker(this.launcher(place, binds), binds, this.idleMs, (gone) => this.forget(key, gone));
      workers.push(worker);
    }
    this.byPlace.set(key, workers);
    return worker.run(cmd, env);
  }

  /** Stops every worker (at shutdown); commands from now on start sandboxes of their own. */
  close(): void {
    this.closed = true;
    for (const workers of this.byPlace.values()) for (const worker of workers) worker.kill();
    this.byPlace.clear();
  }

  private forget(key: string, gone: SandboxWorker): void {
    const workers = this.byPlace.get(key);
    if (!workers) return;
    const left = workers.filter((w) => w !== gone);
    if (left.length === 0) this.byPlace.delete(key);
    else this.byPlace.set(key, left);
  }
}
