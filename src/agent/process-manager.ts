import type { Logger } from '../observability/logger.js';
import type { PermissionMode } from '../tasks/task-types.js';
import type { AgentOutput, AgentRun, AgentRunner, AgentRunRequest } from './agent-types.js';
import { COLD_START_CAUSES, LostProcesses, type ColdStartCause } from './cold-start-causes.js';
import { LiveProcess } from './live-process.js';
import { ProcessSlots } from './process-slots.js';
import { residentBytes } from './process-memory.js';
import { ProcessLauncher } from './process-launcher.js';
import { spawnKey, type AgentHostConfig, type SpawnSpec } from './spawn-options.js';
import { WarmPool } from './warm-pool.js';

export interface ProcessManagerSettings {
  /** SESSION_MAX_CONCURRENT: busy, idle, spare and exiting processes together. */
  maxProcesses: number;
  warmPoolSize: number;
  /** The mode spares are started in; each task's own mode is applied when it claims one. */
  defaultPermissionMode: PermissionMode;
  /** Spares are always kept for this tenant's sandbox (others' as their tasks ask for them). */
  defaultTenantId: string;
}

export type ProcessSource = 'reused' | 'spare' | 'cold';

export interface ProcessStats {
  busy: number;
  idle: number;
  spare: number;
  /** Closed or evicted processes that have not exited yet; they still hold a slot. */
  exiting: number;
  starts: Record<ProcessSource, number>;
  /** Cold starts by why no live process or spare could serve the task. */
  cold_starts: Record<ColdStartCause, number>;
  /** New sessions that started cold because no spare fitted (no_spare + profile_mismatch). */
  cold_no_matching_spare: number;
  evictions: number;
}

interface Acquired {
  proc: LiveProcess;
  source: ProcessSource;
}

/**
 * Owns every agent process: one live process per session that has one, plus the warm pool.
 * A task runs in its session's live process when there is one (reuse), else in a claimed spare
 * (new sessions), else in a fresh process that resumes the session's transcript (cold). Any
 * task settings fit any process; only the spawn spec (sandbox identity) must match. When a slot
 * is needed, the least recently used idle process is closed and waited for; its session resumes
 * cold. A process that dies while idle is noticed and its session, too, resumes cold.
 */
export class AgentProcessManager implements AgentRunner {
  private readonly live = new Map<string, LiveProcess>();
  private readonly pool: WarmPool;
  private readonly slots: ProcessSlots;
  private readonly launcher: ProcessLauncher;
  private readonly lost = new LostProcesses();
  private readonly counters = {
    starts: { reused: 0, spare: 0, cold: 0 } as Record<ProcessSource, number>,
    coldStarts: Object.fromEntries(COLD_START_CAUSES.map((c) => [c, 0])) as Record<ColdStartCause, number>,
    evictions: 0,
  };

  constructor(
    private readonly host: AgentHostConfig,
    private readonly settings: ProcessManagerSettings,
    private readonly logger: Logger,
  ) {
    this.slots = new ProcessSlots(settings.maxProcesses, () => this.live.size + this.pool.count);
    this.launcher = new ProcessLauncher(host, logger, (exited) => this.slots.trackExit(exited));
    this.pool = new WarmPool(
      settings.warmPoolSize,
      settings.defaultPermissionMode,
      host,
      {
        hasRoom: () => this.slots.hasRoomForSpare,
        onClosing: (exited) => this.slots.trackExit(exited, () => this.pool.refill()),
        changed: () => this.slots.changed(),
      },
      logger,
      { identity: host.sandbox.identityFor(settings.defaultTenantId) },
    );
  }

  /** Starts the warm pool; call once at start-up. */
  warmUp(): void {
    this.pool.refill();
  }

  start(request: AgentRunRequest): AgentRun {
    let run: AgentRun | null = null;
    let stopRequested = false;
    let source: ProcessSource | null = null;
    const outputs = async function* (this: AgentProcessManager): AsyncGenerator<AgentOutput> {
      let acquired = await this.acquire(request);
      source = acquired.source;
      for (let attempt = 1; ; attempt++) {
        if (stopRequested) {
          acquired.proc.unhold();
          return this.afterTurn(request, acquired.proc);
        }
        run = acquired.proc.runTurn(request);
        let produced = false;
        try {
          for await (const output of run.outputs) {
            produced = true;
            yield output;
          }
          return;
        } catch (error) {
          // A reused process that died before it started the task (killed while idle, just before
          // this task came): the client should not see that. Resume in a fresh process, once.
          if (produced || stopRequested || attempt > 1 || acquired.source !== 'reused') throw error;
          this.logger.warn('Reused agent process failed before the task started; resuming in a fresh process', { session_id: request.sessionId, error });
          this.lost.set(request.sessionId, 'process_died');
        } finally {
          // A process started for one task's output schema is retired with that task.
          if (request.outputSchema && this.live.get(request.sessionId) === acquired.proc) this.closeSession(request.sessionId, 'profile_mismatch');
          this.afterTurn(request, acquired.proc);
        }
        acquired = await this.acquire(request);
        source = acquired.source;
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
      resourceLimit: () => run?.resourceLimit?.() ?? null,
      processSource: () => source,
    };
  }

  /** Closes the live process of a session (idle expiry, deletion); it can still resume cold. */
  closeSession(sessionId: string, cause: ColdStartCause = 'session_closed'): void {
    const proc = this.live.get(sessionId);
    if (!proc) return;
    this.live.delete(sessionId);
    this.lost.set(sessionId, cause);
    this.slots.trackExit(proc.close(), () => this.pool.refill());
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
    const { coldStarts } = this.counters;
    return {
      busy,
      idle: this.live.size - busy,
      spare: this.pool.parked,
      exiting: this.slots.exitingCount,
      starts: { ...this.counters.starts },
      cold_starts: { ...coldStarts },
      cold_no_matching_spare: coldStarts.no_spare + coldStarts.profile_mismatch,
      evictions: this.counters.evictions,
    };
  }

  /**
   * Memory of every agent process (live and spare), in bytes. A sandbox with a cgroup is one read
   * of its counter; walking its process tree in /proc instead would let a tenant that forks
   * hundreds of processes make every /health slow. Without one, the resident size of the tree.
   */
  async memoryBytes(): Promise<number> {
    const members = [...[...this.live.values()].map((p) => ({ pid: p.pid(), limits: p.limits })), ...this.pool.members()];
    const sizes = await Promise.all(members.map(({ pid, limits }) => limits?.memoryBytes() ?? (pid === null ? 0 : residentBytes(pid))));
    return sizes.reduce((a, b) => a + b, 0);
  }

  /** Closes every process; resolves once they are gone. */
  async shutdown(): Promise<void> {
    const live = [...this.live.values()];
    this.live.clear();
    await Promise.all([this.pool.close(), ...live.map((proc) => proc.close())]);
    // Closing may have let go of more processes (a spare that failed mid-start); those exit too.
    await this.slots.drain();
  }

  private async acquire(request: AgentRunRequest): Promise<Acquired> {
    const spec: SpawnSpec = {
      identity: this.host.sandbox.identityFor(request.tenantId),
      outputSchema: request.outputSchema ?? null,
      mcp: request.mcp ? { tenantId: request.tenantId, ...request.mcp } : null,
    };
    const key = spawnKey(spec);
    // A process for one task's output schema is never prewarmed: nobody else can use it.
    if (!spec.outputSchema) this.pool.noteDemand(spec);
    const existing = this.live.get(request.sessionId);
    if (existing?.usable && existing.key === key) return this.count({ proc: existing, source: 'reused' });

    let cause: ColdStartCause;
    if (existing) {
      cause = existing.key !== key ? 'profile_mismatch' : 'process_died';
      this.closeSession(request.sessionId, cause);
    } else {
      cause = this.lost.take(request.sessionId) ?? 'resume';
    }

    // A new session takes a spare, including one that finishes starting while it waits for a slot.
    const wantsSpare = request.resumeSdkSessionId === null && !spec.outputSchema;
    for (;;) {
      const spare = wantsSpare ? this.pool.take(key) : null;
      if (spare) {
        this.slots.takeOver();
        try {
          const claimed = await this.launcher.claim(spare, request);
          if (claimed) return this.count({ proc: this.adopt(request.sessionId, claimed), source: 'spare' });
        } finally {
          this.slots.release();
        }
        cause = 'claim_refused';
      } else if (wantsSpare && cause !== 'claim_refused') {
        cause = this.pool.parked > 0 ? 'profile_mismatch' : 'no_spare';
      }
      const reserved = await this.slots.reserve(
        () => this.freeOne(key),
        () => wantsSpare && cause !== 'claim_refused' && this.pool.hasParked(key),
      );
      if (reserved) break;
    }
    try {
      this.counters.coldStarts[cause]++;
      return this.count({ proc: this.adopt(request.sessionId, await this.launcher.coldStart(request, spec, key)), source: 'cold' });
    } finally {
      this.slots.release();
    }
  }

  private adopt(sessionId: string, proc: LiveProcess): LiveProcess {
    this.live.set(sessionId, proc);
    // A process that dies between tasks (out of memory, killed) is noticed at once: its session
    // resumes in a fresh process next time, and its slot is free for another.
    void proc.exited.then(() => {
      if (this.live.get(sessionId) !== proc || proc.isBusy) return;
      this.logger.warn('Idle agent process exited; its session will resume in a fresh process', { session_id: sessionId, pid: proc.pid() });
      this.live.delete(sessionId);
      this.lost.set(sessionId, 'process_died');
      this.slots.changed();
      this.pool.refill();
    });
    return proc;
  }

  private count(acquired: Acquired): Acquired {
    acquired.proc.hold();
    this.counters.starts[acquired.source]++;
    return acquired;
  }

  /** Starts closing one process to make room: the least recently used idle one, else a spare (another spec's first). */
  private freeOne(keep: string): boolean {
    const idle = [...this.live.entries()].filter(([, p]) => !p.isBusy).sort(([, a], [, b]) => a.lastUsedAt - b.lastUsedAt)[0];
    if (idle) {
      this.logger.info('Evicting least recently used idle agent process', { session_id: idle[0] });
      this.counters.evictions++;
      this.closeSession(idle[0], 'evicted');
      return true;
    }
    return this.pool.dropOne(keep);
  }

  private afterTurn(request: AgentRunRequest, proc: LiveProcess): void {
    if (!proc.usable && this.live.get(request.sessionId) === proc) this.closeSession(request.sessionId, 'process_died');
    this.slots.changed();
    // Refill only once the task is over, so prewarming never competes with a task for CPU.
    void (request.taskSettled ?? Promise.resolve()).then(() => this.pool.refill());
  }
}
