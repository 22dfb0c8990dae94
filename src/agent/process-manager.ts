import type { Logger } from '../observability/logger.js';
import type { PermissionMode } from '../tasks/task-types.js';
import type { AgentOutput, AgentRun, AgentRunner, AgentRunRequest } from './agent-types.js';
import type { SandboxIdentity } from './isolation/agent-sandbox.js';
import { LiveProcess } from './live-process.js';
import { residentBytes } from './process-memory.js';
import { PromptChannel } from './prompt-channel.js';
import { query, type SdkOptions } from './sdk.js';
import { hostOptions, spawnKey, type AgentHostConfig, type SpawnSpec } from './spawn-options.js';
import { StderrTail } from './stderr-tail.js';
import { WarmPool } from './warm-pool.js';

export interface ProcessManagerSettings {
  /** SESSION_MAX_CONCURRENT: busy, idle and spare processes together. */
  maxProcesses: number;
  warmPoolSize: number;
  /** The spawn options of a task that sets none; spares are made for these. */
  defaultSpec: SpawnSpec;
  defaultPermissionMode: PermissionMode;
  /** Spares are first made for this tenant's sandbox. */
  defaultTenantId: string;
}

export type ProcessSource = 'reused' | 'spare' | 'cold';

export interface ProcessStats {
  busy: number;
  idle: number;
  spare: number;
  starts: Record<ProcessSource, number>;
  /** Cold starts of new sessions because no spare matched the task's spawn options. */
  cold_no_matching_spare: number;
  evictions: number;
}

/**
 * Owns every agent process: one live process per session that has one, plus the warm pool.
 * A task runs in its session's live process when there is one (reuse), else in a claimed spare
 * (new sessions), else in a fresh process that resumes the session's transcript (cold). When a
 * slot is needed, the least recently used idle process is closed; its session resumes cold.
 */
export class AgentProcessManager implements AgentRunner {
  private readonly live = new Map<string, LiveProcess>();
  private readonly pool: WarmPool;
  private readonly stats_: ProcessStats = { busy: 0, idle: 0, spare: 0, starts: { reused: 0, spare: 0, cold: 0 }, cold_no_matching_spare: 0, evictions: 0 };

  constructor(
    private readonly host: AgentHostConfig,
    private readonly settings: ProcessManagerSettings,
    private readonly logger: Logger,
  ) {
    this.pool = new WarmPool(
      settings.warmPoolSize,
      settings.defaultSpec,
      settings.defaultPermissionMode,
      host,
      () => this.live.size + this.pool.count < settings.maxProcesses,
      logger,
      host.sandbox.identityFor(settings.defaultTenantId),
    );
  }

  /** Starts the warm pool; call once at start-up. */
  warmUp(): void {
    this.pool.refill();
  }

  start(request: AgentRunRequest): AgentRun {
    let run: AgentRun | null = null;
    let stopRequested = false;
    const outputs = async function* (this: AgentProcessManager): AsyncGenerator<AgentOutput> {
      const proc = await this.acquire(request);
      if (stopRequested) return;
      run = proc.runTurn(request);
      try {
        yield* run.outputs;
      } finally {
        this.afterTurn(request.sessionId, proc);
      }
    }.call(this);
    return {
      outputs,
      interrupt: async () => {
        stopRequested = true;
        await run?.interrupt();
      },
      abort: () => {
        stopRequested = true;
        run?.abort();
      },
      stderrTail: () => run?.stderrTail() ?? '',
      pid: () => run?.pid() ?? null,
    };
  }

  /** Closes the live process of a session (idle expiry, deletion); it can still resume cold. */
  closeSession(sessionId: string): void {
    const proc = this.live.get(sessionId);
    if (!proc) return;
    this.live.delete(sessionId);
    void proc.close();
    this.pool.refill();
  }

  /** The process a session's next task would reuse, if any. */
  livePid(sessionId: string): number | null {
    const proc = this.live.get(sessionId);
    return proc?.usable ? proc.pid() : null;
  }

  sparePids(): number[] {
    return this.pool.pids();
  }

  stats(): ProcessStats {
    const busy = [...this.live.values()].filter((p) => p.isBusy).length;
    return { ...this.stats_, starts: { ...this.stats_.starts }, busy, idle: this.live.size - busy, spare: this.pool.parked };
  }

  /** Resident memory of every agent process (live and spare), in bytes. */
  async memoryBytes(): Promise<number> {
    const pids = [...[...this.live.values()].map((p) => p.pid()), ...this.pool.pids()].filter((p): p is number => p !== null);
    const sizes = await Promise.all(pids.map(residentBytes));
    return sizes.reduce((a, b) => a + b, 0);
  }

  /** Closes every process; resolves once they are gone. */
  async shutdown(): Promise<void> {
    const live = [...this.live.values()];
    this.live.clear();
    await Promise.all([this.pool.close(), ...live.map((proc) => proc.close())]);
  }

  private async acquire(request: AgentRunRequest): Promise<LiveProcess> {
    const spec: SpawnSpec = { tools: request.allowedTools, maxTurns: request.maxTurns };
    const identity = this.host.sandbox.identityFor(request.tenantId);
    const key = spawnKey(spec, identity.key);
    const existing = this.live.get(request.sessionId);
    if (existing?.usable && existing.key === key) return this.started(existing, 'reused');
    if (existing) this.closeSession(request.sessionId);
    await this.host.sandbox.prepareWorkspace(identity, request.cwd);

    if (request.resumeSdkSessionId === null) {
      this.pool.retarget(identity);
      const spare = this.pool.take(key);
      if (spare) {
        const claimed = await this.claim(spare, request);
        if (claimed) return this.adopt(request.sessionId, claimed, 'spare');
      } else {
        this.stats_.cold_no_matching_spare++;
      }
    }
    this.makeRoom();
    return this.adopt(request.sessionId, await this.coldStart(request, spec, key, identity), 'cold');
  }

  private async claim(spare: ReturnType<WarmPool['take']> & object, request: AgentRunRequest): Promise<LiveProcess | null> {
    const channel = new PromptChannel();
    const claimOptions: Parameters<typeof spare.spare.claim>[0]['options'] = { cwd: request.cwd, permissionMode: request.permissionMode };
    if (request.model !== undefined) claimOptions.model = request.model;
    const q = spare.spare.claim({ prompt: channel, options: claimOptions });
    try {
      await spare.spare.claimed;
    } catch (error) {
      this.logger.warn('Spare agent process refused the claim; starting cold', { error });
      channel.close();
      spare.spare.close();
      return null;
    }
    return new LiveProcess({
      query: q,
      channel,
      key: spare.key,
      abortController: spare.abortController,
      stderr: spare.stderr,
      pid: spare.pid,
      credential: spare.credential,
      permissionMode: request.permissionMode,
      model: request.model,
    });
  }

  private async coldStart(request: AgentRunRequest, spec: SpawnSpec, key: string, identity: SandboxIdentity): Promise<LiveProcess> {
    const abortController = new AbortController();
    const stderr = new StderrTail();
    let pid: number | null = null;
    const channel = new PromptChannel();
    const home = await this.host.sandbox.createHome(identity);
    const credential = this.host.credentials.mint();
    const options: SdkOptions = {
      ...hostOptions(this.host, spec, request.permissionMode, { abortController, stderr, onSpawn: (p) => (pid = p), credential }, { identity, home }),
      cwd: request.cwd,
    };
    if (request.model !== undefined) options.model = request.model;
    if (request.resumeSdkSessionId !== null) options.resume = request.resumeSdkSessionId;
    const q = query({ prompt: channel, options });
    return new LiveProcess({ query: q, channel, key, abortController, stderr, pid: () => pid, permissionMode: request.permissionMode, model: request.model, credential });
  }

  private adopt(sessionId: string, proc: LiveProcess, source: ProcessSource): LiveProcess {
    this.live.set(sessionId, proc);
    return this.started(proc, source);
  }

  private started(proc: LiveProcess, source: ProcessSource): LiveProcess {
    this.stats_.starts[source]++;
    return proc;
  }

  /** Frees a slot for a new process: the least recently used idle process goes first, then a spare. */
  private makeRoom(): void {
    while (this.live.size + this.pool.count >= this.settings.maxProcesses) {
      const idle = [...this.live.entries()].filter(([, p]) => !p.isBusy).sort(([, a], [, b]) => a.lastUsedAt - b.lastUsedAt)[0];
      if (idle) {
        this.logger.info('Evicting least recently used idle agent process', { session_id: idle[0] });
        this.stats_.evictions++;
        this.closeSession(idle[0]);
        continue;
      }
      if (!this.pool.dropOne()) return;
    }
  }

  private afterTurn(sessionId: string, proc: LiveProcess): void {
    if (!proc.usable && this.live.get(sessionId) === proc) this.closeSession(sessionId);
    // Refill only now, so prewarming never competes with a task's start for CPU.
    this.pool.refill();
  }
}
