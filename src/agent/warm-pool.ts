import type { Logger } from '../observability/logger.js';
import type { PermissionMode } from '../tasks/task-types.js';
import type { ProcessCredential } from '../model-proxy/credential-broker.js';
import { prewarm, type SdkSpareProcess } from './sdk.js';
import type { SandboxIdentity } from './isolation/agent-sandbox.js';
import { hostOptions, spawnKey, type AgentHostConfig, type SpawnSpec } from './spawn-options.js';
import { StderrTail } from './stderr-tail.js';

/** A parked, fully started process that no session owns yet. */
export interface Spare {
  key: string;
  spare: SdkSpareProcess;
  abortController: AbortController;
  stderr: StderrTail;
  pid: () => number | null;
  credential: ProcessCredential;
}

/**
 * Keeps up to `size` spare processes started ahead of need with the SDK's prewarm(), so a new
 * session skips the CLI's start-up. Spares are made for the default spawn options only; a task
 * with other tools or turn limit starts cold. Refills happen in the background and only while
 * `hasRoom()` says a process slot is free.
 */
export class WarmPool {
  private readonly spares: Spare[] = [];
  private readonly startups = new Set<Promise<void>>();
  private starting = 0;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly spec: SpawnSpec,
    private readonly permissionMode: PermissionMode,
    private readonly host: AgentHostConfig,
    private readonly hasRoom: () => boolean,
    private readonly logger: Logger,
    /** Spares run for one sandbox identity (tenant) at a time: the last one that needed a spare. */
    private identity: SandboxIdentity,
  ) {}

  /** Makes future spares for `identity`; parked spares of another tenant are closed, as no task can use them. */
  retarget(identity: SandboxIdentity): void {
    if (identity.key === this.identity.key) return;
    this.identity = identity;
    for (const spare of this.spares.splice(0)) spare.spare.close();
  }

  /** Spares parked or being started: each holds a process slot. */
  get count(): number {
    return this.spares.length + this.starting;
  }

  get parked(): number {
    return this.spares.length;
  }

  pids(): number[] {
    return this.spares.map((s) => s.pid()).filter((pid): pid is number => pid !== null);
  }

  take(key: string): Spare | null {
    const index = this.spares.findIndex((s) => s.key === key);
    if (index === -1) return null;
    return this.spares.splice(index, 1)[0]!;
  }

  /** Closes one spare to free its slot for a task; false if there is none. */
  dropOne(): boolean {
    const spare = this.spares.shift();
    if (!spare) return false;
    spare.spare.close();
    return true;
  }

  refill(): void {
    while (!this.closed && this.count < this.size && this.hasRoom()) {
      this.starting++;
      const startup = this.startOne().finally(() => {
        this.starting--;
        this.startups.delete(startup);
      });
      this.startups.add(startup);
    }
  }

  /** Closes every spare; resolves once they have exited (or after `timeoutMs`). */
  async close(timeoutMs = 5000): Promise<void> {
    this.closed = true;
    await Promise.all(this.startups);
    const spares = this.spares.splice(0);
    for (const spare of spares) spare.spare.close();
    await Promise.race([Promise.all(spares.map((s) => s.spare.exited)), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }

  private async startOne(): Promise<void> {
    const abortController = new AbortController();
    const stderr = new StderrTail();
    let pid: number | null = null;
    const identity = this.identity;
    const home = await this.host.sandbox.createHome(identity);
    const credential = this.host.credentials.mint();
    try {
      const options = hostOptions(this.host, this.spec, this.permissionMode, { abortController, stderr, onSpawn: (p) => (pid = p), credential }, { identity, home });
      const spare = await prewarm({ options });
      if (this.closed || identity.key !== this.identity.key) return spare.close();
      const entry: Spare = { key: spawnKey(this.spec, identity.key), spare, abortController, stderr, pid: () => pid, credential };
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
      credential.revoke();
      if (pid === null) home.dispose();
      this.logger.warn('Could not prewarm an agent process', { error, stderr: stderr.text() });
    }
  }
}
