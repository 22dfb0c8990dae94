import type { Logger } from '../observability/logger.js';
import type { ProcessCredential } from '../model-proxy/credential-broker.js';
import type { PermissionMode } from '../tasks/task-types.js';
import type { ProcessLimits } from './isolation/limits/process-limits.js';
import { awaitExitOrKill } from './process-exit.js';
import { prewarm, type SdkSpareProcess } from './sdk.js';
import { hostOptions, preparePlace, spawnKey, type AgentHostConfig, type ProcessPlace, type SpawnSpec } from './spawn-options.js';
import { StderrTail } from './stderr-tail.js';
import { ToolGate } from './tool-gate.js';

/** A parked, fully started process that no session owns yet. */
export interface Spare {
  key: string;
  spare: SdkSpareProcess;
  abortController: AbortController;
  stderr: StderrTail;
  pid: () => number | null;
  toolGate: ToolGate;
  credential: ProcessCredential;
  permissionMode: PermissionMode;
  /** Settles once the OS process is gone, claimed or not. */
  exited: Promise<void>;
  limits: ProcessLimits | null;
}

/** How long a spawn spec stays wanted after a task last asked for it. */
const DEMAND_TTL_MS = 10 * 60_000;

export interface WarmPoolHooks {
  /** Whether a process slot is free for one more spare. */
  hasRoom: () => boolean;
  /** A spare is being closed; the promise settles once its process is gone. */
  onClosing: (exited: Promise<void>) => void;
  /** A start ended (parked or failed): the number of slots held may have changed. */
  changed: () => void;
}

/**
 * Keeps up to `size` spare processes started ahead of need with the SDK's prewarm(), so a new
 * session skips the CLI's start-up. Per-task settings are applied at claim time, so the only
 * thing a spare must match is its spawn spec (the sandbox identity); the pool learns which specs
 * are in demand from the tasks it is asked for and spreads its spares over the most recent ones.
 * Refills happen in the background and only while `hasRoom()` says a process slot is free.
 */
export class WarmPool {
  private readonly spares: Spare[] = [];
  private readonly startingKeys: string[] = [];
  private readonly startups = new Set<Promise<void>>();
  /** Spawn specs by when a task last asked for one; the default is always wanted. */
  private readonly demand = new Map<string, { spec: SpawnSpec; at: number }>();
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly permissionMode: PermissionMode,
    private readonly host: AgentHostConfig,
    private readonly hooks: WarmPoolHooks,
    private readonly logger: Logger,
    /** The spec always kept warm: the default tenant's sandbox. */
    private readonly defaultSpec: SpawnSpec,
  ) {}

  /** Spares parked or being started: each holds a process slot. */
  get count(): number {
    return this.spares.length + this.startingKeys.length;
  }

  get parked(): number {
    return this.spares.length;
  }

  /** Each parked spare's pid and sandbox limits, for measuring its memory. */
  members(): Array<{ pid: number | null; limits: ProcessLimits | null }> {
    return this.spares.map((s) => ({ pid: s.pid(), limits: s.limits }));
  }

  pids(): number[] {
    return this.spares.map((s) => s.pid()).filter((pid): pid is number => pid !== null);
  }

  /** Records that a task wanted this spec, so that spares are made for it from now on. */
  noteDemand(spec: SpawnSpec): void {
    const key = spawnKey(spec);
    this.demand.delete(key);
    this.demand.set(key, { spec, at: Date.now() });
  }

  take(key: string): Spare | null {
    const index = this.spares.findIndex((s) => s.key === key);
    if (index === -1) return null;
    return this.spares.splice(index, 1)[0]!;
  }

  hasParked(key: string): boolean {
    return this.spares.some((s) => s.key === key);
  }

  /** Closes one spare to free its slot for a task, one not made for `keep` first; false if there is none. */
  dropOne(keep: string): boolean {
    const spare = this.spares.find((s) => s.key !== keep) ?? this.spares[0];
    if (!spare) return false;
    this.spares.splice(this.spares.indexOf(spare), 1);
    this.discard(spare);
    return true;
  }

  refill(): void {
    if (this.closed) return;
    const wanted = this.wantedKeys();
    // A spare for a spec nobody asks for any more gives its slot to one that is wanted.
    let unserved = wanted.filter((key) => !this.has(key)).length;
    while (unserved > 0 && this.count >= this.size) {
      const stale = this.spares.find((s) => !wanted.includes(s.key));
      if (!stale) break;
      this.spares.splice(this.spares.indexOf(stale), 1);
      this.discard(stale);
      unserved--;
    }
    for (const key of wanted) {
      if (this.count >= this.size || !this.hooks.hasRoom()) return;
      if (this.has(key)) continue;
      this.startFor(key);
    }
    // Spare room beyond one per wanted spec goes to the most recently wanted one.
    const [first] = wanted;
    while (first !== undefined && this.count < this.size && this.hooks.hasRoom()) this.startFor(first);
  }

  /**
   * Closes every spare, including those still starting, and resolves once their processes are gone:
   * one that outlives `timeoutMs` is killed. Until a process has exited its private home is still
   * in DATA_DIR and it may still be writing there, so a server must not exit before.
   */
  async close(timeoutMs = 5000): Promise<void> {
    this.closed = true;
    await Promise.all(this.startups);
    const spares = this.spares.splice(0);
    for (const spare of spares) spare.spare.close();
    await awaitExitOrKill(
      Promise.all(spares.map((s) => s.exited)),
      spares.map((s) => s.abortController),
      timeoutMs,
    );
  }

  /** Keys to keep a spare for, most recently wanted first, at most `size` of them. */
  private wantedKeys(): string[] {
    const now = Date.now();
    for (const [key, entry] of this.demand) if (now - entry.at > DEMAND_TTL_MS) this.demand.delete(key);
    const keys = [...this.demand.keys()].reverse();
    const defaultKey = spawnKey(this.defaultSpec);
    if (!keys.includes(defaultKey)) keys.push(defaultKey);
    return keys.slice(0, this.size);
  }

  private has(key: string): boolean {
    return this.spares.some((s) => s.key === key) || this.startingKeys.includes(key);
  }

  private specFor(key: string): SpawnSpec {
    return this.demand.get(key)?.spec ?? this.defaultSpec;
  }

  private discard(spare: Spare): void {
    spare.spare.close();
    this.hooks.onClosing(spare.exited);
  }

  private startFor(key: string): void {
    this.startingKeys.push(key);
    const startup = this.startOne(key, this.specFor(key)).finally(() => {
      this.startingKeys.splice(this.startingKeys.indexOf(key), 1);
      this.startups.delete(startup);
      this.hooks.changed();
    });
    this.startups.add(startup);
  }

  private async startOne(key: string, spec: SpawnSpec): Promise<void> {
    const abortController = new AbortController();
    const stderr = new StderrTail();
    const toolGate = new ToolGate();
    let pid: number | null = null;
    let resolveGone!: () => void;
    const gone = new Promise<void>((resolve) => (resolveGone = resolve));
    const credential = this.host.credentials.mint();
    let place: ProcessPlace | null = null;
    try {
      place = await preparePlace(this.host, spec, credential);
      const options = hostOptions(
        this.host,
        this.permissionMode,
        { abortController, stderr, toolGate, credential, onSpawn: (p) => (pid = p), onExit: resolveGone },
        place,
      );
      const spare = await prewarm({ options });
      // One that finished starting after close() began is parked anyway: close() waits for startups, then closes every parked spare.
      const exited = Promise.race([gone, spare.exited]);
      const entry: Spare = {
        key,
        spare,
        abortController,
        stderr,
        pid: () => pid,
        toolGate,
        credential,
        permissionMode: this.permissionMode,
        exited,
        limits: place.home.limits,
      };
      this.spares.push(entry);
      // A spare that dies while parked is dropped and replaced.
      void spare.exited.then(() => {
        const index = this.spares.indexOf(entry);
        if (index === -1) return;
        this.spares.splice(index, 1);
        this.logger.warn('Spare agent process exited while parked', { stderr: stderr.text() });
        this.refill();
      });
    } catch (error) {
      this.logger.warn('Could not prewarm an agent process', { error, stderr: stderr.text() });
      credential.revoke();
      if (pid === null) {
        place?.network.close();
        place?.home.dispose();
      }
      // Its slot is only free once whatever was started is gone.
      if (pid !== null) {
        abortController.abort();
        this.hooks.onClosing(gone);
      }
    }
  }
}
