import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ownerOf, type SandboxIdentity } from '../agent/isolation/agent-sandbox.js';
import type { SandboxCommand, SandboxCommandResult } from '../agent/isolation/sandbox-command.js';
import type { Logger } from '../observability/logger.js';
import { createPrivateDirectory, removeEmptiedDirectory } from '../workspaces/host-boundary.js';
import { emptyShadowCommand, removeShadowCommand, TRACKING_ENV } from './tracking-script.js';

/** What change tracking needs of AgentSandbox: a tenant's identity, and a command run as it. */
export interface TrackingSandbox {
  identityFor(tenantId: string): SandboxIdentity;
  run(identity: SandboxIdentity, command: SandboxCommand): Promise<SandboxCommandResult>;
}

/** Beyond this many shadows, the least recently used idle one is removed. */
const MAX_SHADOWS = 256;
const REMOVE_TIMEOUT_MS = 60_000;

/** The git directory, in the server's scratch space, that tracks one tenant's workspace, and what is known of it. */
export class Shadow {
  /** The tree the last phase wrote ('' when unknown). */
  lastTree = '';
  /** No phase has run yet: the first one creates the repository (see tracking-script.ts). */
  fresh = true;
  /** Baselines taken and not yet finished or discarded: their trees must survive a prune. */
  pending = 0;
  /** A phase wrote a new tree since the last prune: some objects may no longer be needed. */
  dirty = false;
  /** Files modified or deleted since the last repack: their old versions may sit in a pack. */
  replaced = 0;
  lastUsed = Date.now();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly key: string,
    readonly dir: string,
    /** The tenant's directory of shadows: what a command on this shadow binds read-write. */
    readonly scratch: string,
    readonly identity: SandboxIdentity,
  ) {}

  /** Runs `work` after all work queued before it: phases on one shadow never overlap. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    this.lastUsed = Date.now();
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/**
 * The shadow repositories of change tracking, one per tenant and workspace, under this server's
 * own scratch directory (never inside a workspace, never bound into an agent's sandbox): one
 * directory per tenant, and in it one shadow per workspace.
 *
 * The host creates the root and, fresh, each tenant's directory, handed to the tenant's uid
 * (mkdir, then fchown through a no-follow descriptor), and at shutdown removes the emptied
 * tenant directories with rmdir. Everything inside a tenant's directory (the shadows and what
 * git writes in them) is created, read and deleted as the tenant in the tenant's sandbox, which
 * binds that directory and nothing of any other tenant's.
 */
export class ShadowRepos {
  private readonly shadows = new Map<string, Shadow>();
  /** Evicted shadows still being removed: a new shadow with the same key waits for its directory to go. */
  private readonly removing = new Map<string, Promise<void>>();
  private readonly scratchDirs = new Map<string, { dir: string; identity: SandboxIdentity; ready: Promise<void> }>();
  private rootReady: Promise<unknown> | null = null;

  constructor(
    private readonly root: string,
    readonly sandbox: TrackingSandbox,
    private readonly logger: Logger,
    private readonly maxShadows = MAX_SHADOWS,
  ) {}

  /** The shadow for this tenant's workspace, created on first use. */
  async shadowFor(tenantId: string, workspace: string): Promise<Shadow> {
    const key = createHash('sha256').update(`${tenantId}\0${workspace}`).digest('hex').slice(0, 32);
    const known = this.shadows.get(key);
    if (known) return known;
    this.evictIfFull();
    const identity = this.sandbox.identityFor(tenantId);
    const scratch = this.scratchFor(tenantId, identity);
    const shadow = new Shadow(key, path.join(scratch.dir, key), scratch.dir, identity);
    this.shadows.set(key, shadow);
    try {
      await scratch.ready;
      // An evicted shadow of the same key is removed first; the first phase creates this one.
      await this.removing.get(key);
    } catch (error) {
      this.shadows.delete(key);
      throw error;
    }
    return shadow;
  }

  /** Empties a shadow so that the next phase starts from scratch (after a failure left it unknown). */
  reset(shadow: Shadow): Promise<void> {
    shadow.lastTree = '';
    shadow.dirty = false;
    return this.inSandbox(shadow.identity, shadow.scratch, emptyShadowCommand(shadow.dir), 'empty');
  }

  /** Removes every shadow: each tenant's directory is emptied in its sandbox, then removed. */
  async removeAll(): Promise<void> {
    const all = [...this.shadows.values()];
    this.shadows.clear();
    // Phases still queued on a shadow finish first; a failed one is of no interest now.
    await Promise.all(all.map((shadow) => shadow.exclusive(async () => undefined)));
    await Promise.all(this.removing.values());
    const scratches = [...this.scratchDirs.values()];
    for (let i = 0; i < scratches.length; i += 4) {
      await Promise.all(
        scratches.slice(i, i + 4).map(async ({ dir, identity, ready }) => {
          await ready;
          await this.inSandbox(identity, dir, emptyShadowCommand(dir), 'empty');
          await removeEmptiedDirectory(dir);
        }),
      );
    }
  }

  private scratchFor(tenantId: string, identity: SandboxIdentity): { dir: string; ready: Promise<void> } {
    const name = createHash('sha256').update(tenantId).digest('hex').slice(0, 16);
    const known = this.scratchDirs.get(name);
    if (known) return known;
    const dir = path.join(this.root, name);
    this.rootReady ??= mkdir(this.root, { recursive: true, mode: 0o700 });
    const ready = this.rootReady.then(() => createPrivateDirectory(dir, ownerOf(identity)));
    const scratch = { dir, identity, ready };
    this.scratchDirs.set(name, scratch);
    ready.catch(() => this.scratchDirs.delete(name));
    return scratch;
  }

  private async inSandbox(identity: SandboxIdentity, scratch: string, args: string[], what: string): Promise<void> {
    const result = await this.sandbox.run(identity, {
      command: 'bash',
      args,
      cwd: scratch,
      readWrite: [scratch],
      env: TRACKING_ENV,
      timeoutMs: REMOVE_TIMEOUT_MS,
      reusable: true,
    });
    if (result.code !== 0) throw new Error(`could not ${what} the shadow repository: ${result.stderr.trim() || `exit ${result.code}`}`);
  }

  private evictIfFull(): void {
    if (this.shadows.size < this.maxShadows) return;
    const idle = [...this.shadows.values()].filter((s) => s.pending === 0).sort((a, b) => a.lastUsed - b.lastUsed)[0];
    if (!idle) return;
    this.shadows.delete(idle.key);
    const removed = idle
      .exclusive(() => this.inSandbox(idle.identity, idle.scratch, removeShadowCommand(idle.dir), 'remove'))
      .catch((error: unknown) => this.logger.warn('Could not remove a change-tracking shadow repository', { dir: idle.dir, error }))
      .finally(() => this.removing.delete(idle.key));
    this.removing.set(idle.key, removed);
  }
}
