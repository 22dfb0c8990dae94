import type { SandboxCommand, SandboxCommandResult } from '../agent/isolation/sandbox-command.js';
import type { Logger } from '../observability/logger.js';
import { buildReport } from './change-report.js';
import type { ChangeBaseline, ChangeReport } from './change-types.js';
import { ShadowRepos, type Shadow, type TrackingSandbox } from './shadow-repos.js';
import {
  blobsToSize,
  parseTrackingOutput,
  PATCH_READ_LIMIT,
  pruneCommand,
  sizesCommand,
  TRACKING_ENV,
  trackingCommand,
  writeTreeCommand,
  type TrackingOutput,
  type TrackingPhase,
} from './tracking-script.js';

/** A first snapshot of a large workspace may take a while; a stuck one must not hold a task forever. */
const PHASE_TIMEOUT_MS = 60_000;
/** Packs are rewritten (a whole-store copy) only once this many old versions may sit in them. */
const REPACK_AFTER_REPLACED = 256;
/** The script's exit code when the workspace itself is gone: nothing wrong with the shadow. */
const NO_WORKSPACE = 10;

/**
 * Records what each task changes in its workspace, the same way for every workspace, repository
 * or not: git, run as the tenant inside the tenant's sandbox, snapshots the workspace into a
 * shadow repository the server owns (see tracking-script.ts), and the server only reads the
 * result over a pipe. A baseline that cannot be taken never fails the task; its changed_files
 * is then left null.
 */
/** How long a shadow must stay unused before its unneeded objects are pruned. */
const PRUNE_DELAY_MS = 10_000;

export class ChangeTracker {
  private readonly shadows: ShadowRepos;
  private closed = false;

  constructor(
    sandbox: TrackingSandbox,
    tempDir: string,
    private readonly logger: Logger,
    private readonly pruneDelayMs = PRUNE_DELAY_MS,
  ) {
    this.shadows = new ShadowRepos(tempDir, sandbox, logger);
  }

  async begin(taskId: string, workspace: string, tenantId: string): Promise<ChangeBaseline | null> {
    let shadow: Shadow | null = null;
    try {
      shadow = await this.shadows.shadowFor(tenantId, workspace);
      shadow.pending++;
      const taken = shadow;
      const start = await taken.exclusive(() => this.phase(taken, workspace, 'begin', ''));
      return this.baseline(taskId, taken, workspace, start);
    } catch (error) {
      if (shadow) shadow.pending--;
      this.logger.warn('Could not record the workspace before the task; its changed files will not be reported', { task_id: taskId, error });
      return null;
    }
  }

  /** Removes every shadow repository, each inside its tenant's sandbox (at shutdown). */
  close(): Promise<void> {
    this.closed = true;
    return this.shadows.removeAll();
  }

  private baseline(taskId: string, shadow: Shadow, workspace: string, start: TrackingOutput): ChangeBaseline {
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      shadow.pending--;
      this.pruneWhenIdle(shadow, taskId);
    };
    return {
      discard: async () => settle(),
      finish: async (): Promise<ChangeReport> => {
        try {
          const end = await shadow.exclusive(async () => {
            const output = await this.phase(shadow, workspace, 'finish', start.tree);
            const oids = blobsToSize(output.changes);
            return oids.length === 0 ? output : { ...output, sizes: await this.blobSizes(shadow, oids) };
          });
          const report = buildReport(end, start.repo);
          shadow.replaced += report.files.filter((file) => file.change !== 'created').length;
          if (end.tree === '') this.writeTreeLater(shadow);
          return report;
        } finally {
          settle();
        }
      },
    };
  }

  private async phase(shadow: Shadow, workspace: string, phase: TrackingPhase, before: string): Promise<TrackingOutput> {
    const started = Date.now();
    const args = trackingCommand(phase, shadow.dir, workspace, { before, last: shadow.lastTree, fresh: shadow.fresh });
    const result = await this.onShadow(shadow, args, workspace, { cutOutputAt: PATCH_READ_LIMIT });
    if ((result.code !== 0 && !result.cut) || result.timedOut) {
      const reason = result.timedOut ? `timed out after ${PHASE_TIMEOUT_MS} ms` : `exit ${result.code ?? result.signal}: ${result.stderr.trim().slice(-500)}`;
      // Whatever a killed git left behind, the next phase starts from an empty shadow (unless
      // another task's baseline still needs this one).
      if (result.code !== NO_WORKSPACE && shadow.pending <= 1) await this.shadows.reset(shadow).catch(() => undefined);
      throw new Error(`change tracking (${phase}) failed: ${reason}`);
    }
    const output = parseTrackingOutput(result.stdout, result.cut);
    shadow.fresh = false;
    if (output.tree !== shadow.lastTree) shadow.dirty = true;
    shadow.lastTree = output.tree;
    this.logger.debug('Change tracking phase', { phase, workspace, ms: Date.now() - started });
    return output;
  }

  /** One of the tracking scripts on a shadow, as the tenant in its sandbox (a worker's, when one is free). */
  private onShadow(
    shadow: Shadow,
    args: string[],
    cwd = shadow.dir,
    output: Pick<SandboxCommand, 'maxOutputBytes' | 'cutOutputAt'> = {},
  ): Promise<SandboxCommandResult> {
    return this.shadows.sandbox.run(shadow.identity, {
      command: 'bash',
      args,
      cwd,
      readWrite: [shadow.scratch],
      env: TRACKING_ENV,
      timeoutMs: PHASE_TIMEOUT_MS,
      reusable: true,
      ...output,
    });
  }

  /** The sizes of blobs in the shadow (`<oid> <size>` lines), for files git counted no lines for. */
  private async blobSizes(shadow: Shadow, oids: readonly string[]): Promise<string> {
    const result = await this.onShadow(shadow, sizesCommand(shadow.dir, oids));
    if (result.code !== 0 || result.timedOut)
      throw new Error(`change tracking (blob sizes) failed: exit ${result.code ?? result.signal}: ${result.stderr.trim().slice(-500)}`);
    return result.stdout.toString('latin1');
  }

  /**
   * A finish that staged changes leaves its tree unwritten (one git start fewer on the task's
   * path); it is written now, once the task is over, so that the next task's baseline in an
   * unchanged workspace is one listing and nothing more. Should this fail, that baseline writes it.
   */
  private writeTreeLater(shadow: Shadow): void {
    const write = async (): Promise<void> => {
      if (this.closed || shadow.lastTree !== '') return;
      const result = await this.onShadow(shadow, writeTreeCommand(shadow.dir), shadow.dir, { maxOutputBytes: 1024 });
      const tree = /^([0-9a-f]{40})\n$/.exec(result.stdout.toString('latin1'))?.[1];
      // Nothing else touches the shadow meanwhile: its phases and this write take turns (exclusive).
      if (result.code === 0 && tree !== undefined) shadow.lastTree = tree;
    };
    shadow.exclusive(write).catch(() => undefined);
  }

  /**
   * Objects the last comparison no longer needs are dropped, off the task's path, once no
   * baseline is open and none was for PRUNE_DELAY_MS: a session's next task usually follows at
   * once, and its baseline would otherwise wait behind the prune (phases on a shadow never overlap).
   */
  private pruneWhenIdle(shadow: Shadow, taskId: string): void {
    if (this.pruneDelayMs === 0) return this.pruneNow(shadow, taskId);
    setTimeout(() => this.pruneNow(shadow, taskId), this.pruneDelayMs).unref();
  }

  private pruneNow(shadow: Shadow, taskId: string): void {
    if (this.closed || shadow.pending > 0 || !shadow.dirty) return;
    const prune = async (): Promise<void> => {
      if (shadow.pending > 0 || !shadow.dirty) return;
      const repack = shadow.replaced >= REPACK_AFTER_REPLACED;
      const result = await this.onShadow(shadow, pruneCommand(shadow.dir, repack));
      if (result.code === 0) {
        shadow.dirty = false;
        if (repack) shadow.replaced = 0;
      } else this.logger.warn('Could not prune a change-tracking shadow repository', { task_id: taskId, stderr: result.stderr.slice(-500) });
    };
    shadow.exclusive(prune).catch((error: unknown) => this.logger.warn('Could not prune a change-tracking shadow repository', { task_id: taskId, error }));
  }
}
