import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { SandboxIdentity } from '../agent/isolation/agent-sandbox.js';
import type { SandboxCommand, SandboxCommandResult } from '../agent/isolation/sandbox-command.js';
import type { Logger } from '../observability/logger.js';
import { createPrivateDirectory, removeEmptiedDirectory } from '../workspaces/host-boundary.js';
import { emptyShadowCommand, TRACKING_ENV } from './tracking-script.js';

/** What change tracking needs of AgentSandbox: a tenant's identity, and a command run as it. */
export interface TrackingSandbox {
  identityFor(tenantId: string): SandboxIdentity;
  run(identity: SandboxIdentity, command: SandboxCommand): Promise<SandboxCommandResult>;
}

/** Beyond this many shadows, the least recently used idle one is removed. */
const MAX_SHADOWS = 256;
const REMOVE_TIMEOUT_MS = 60_000;

/** The server-owned git directory that tracks one tenant's workspace, and what is known of it. */
export class Shadow {
  /** The tree the last phase wrote ('' when unknown). */
  lastTree = '';
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
 * own scratch directory (never inside a workspace, never bound into an agent's sandbox).
 *
 * This is the only code in change tracking that touches the file system from the host, and all
 * of it is in directories only the server can write: it creates the root, creates each shadow
 * directory fresh (mkdir fails if anything is there) and hands it to the tenant's uid with
 * lchown, and removes the then-empty directory with rmdir. Everything inside a shadow is created,
 * read and deleted by git or find running as the tenant in the tenant's sandbox.
 */
export class ShadowRepos {
  private readonly shadows = new Map<string, Shadow>();
  /** Evicted shadows still being removed: a new shadow with the same key waits for its directory to go. */
  private readonly removing = new Map<string, Promise<void>>();
  private rootReady: Promise<unknown> | null = null;

  constructor(
    private readonly root: string,
    readonly sandbox: TrackingSandbox,
    private readonly logger: Logger,
    private readonly maxShadows = MAX_SHADOWS,
  ) {}

  /** The shadow for this tenant's workspace, created (and handed over) on first use. */
  async shadowFor(tenantId: string, workspace: string): Promise<Shadow> {
    const key = createHash('sha256').update(`${tenantId}\0${workspace}`).digest('hex').slice(0, 32);
    const known = this.shadows.get(key);
    if (known) return known;
    this.evictIfFull();
    const shadow = new Shadow(key, path.join(this.root, key), this.sandbox.identityFor(tenantId));
    this.shadows.set(key, shadow);
    try {
      await shadow.exclusive(() => this.create(shadow));
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
    return this.empty(shadow);
  }

  /** Removes every shadow, each emptied in its tenant's sandbox, a few at a time. */
  async removeAll(): Promise<void> {
    const all = [...this.shadows.values()];
    for (let i = 0; i < all.length; i += 4) {
      await Promise.all(all.slice(i, i + 4).map((shadow) => shadow.exclusive(() => this.remove(shadow)).catch(() => undefined)));
    }
    await Promise.all(this.removing.values());
  }

  private async create(shadow: Shadow): Promise<void> {
    this.rootReady ??= mkdir(this.root, { recursive: true, mode: 0o700 });
    await this.rootReady;
    await this.removing.get(shadow.key);
    const user = shadow.identity.user;
    const owner = user?.kind === 'uid' ? { uid: user.uid, gid: user.gid } : null;
    try {
      await createPrivateDirectory(shadow.dir, owner);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // Left by an eviction whose removal failed: it is emptied and made again, never adopted.
      await this.empty(shadow);
      await removeEmptiedDirectory(shadow.dir);
      await createPrivateDirectory(shadow.dir, owner);
    }
  }

  private async empty(shadow: Shadow): Promise<void> {
    const result = await this.sandbox.run(shadow.identity, {
      command: 'bash',
      args: emptyShadowCommand(shadow.dir),
      cwd: shadow.dir,
      readWrite: [shadow.dir],
      env: TRACKING_ENV,
      timeoutMs: REMOVE_TIMEOUT_MS,
    });
    if (result.code !== 0) throw new Error(`could not empty the shadow repository: ${result.stderr.trim() || `exit ${result.code}`}`);
  }

  private async remove(shadow: Shadow): Promise<void> {
    if (this.shadows.get(shadow.key) === shadow) this.shadows.delete(shadow.key);
    await this.empty(shadow);
    await removeEmptiedDirectory(shadow.dir);
  }

  private evictIfFull(): void {
    if (this.shadows.size < this.maxShadows) return;
    const idle = [...this.shadows.values()].filter((s) => s.pending === 0).sort((a, b) => a.lastUsed - b.lastUsed)[0];
    if (!idle) return;
    this.shadows.delete(idle.key);
    const removed = idle
      .exclusive(() => this.remove(idle))
      .catch((error: unknown) => this.logger.warn('Could not remove a change-tracking shadow repository', { dir: idle.dir, error }))
      .finally(() => this.removing.delete(idle.key));
    this.removing.set(idle.key, removed);
  }
}
