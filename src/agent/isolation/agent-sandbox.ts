import { randomUUID } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { isInside } from '../../lib/paths.js';
import {
  clearHomesOfDeadServer,
  createPrivateDirectory,
  ensureTenantRoot,
  ensureWorkspaceRoot,
  handOverFreshTreeSync,
  type Owner,
} from '../../workspaces/host-boundary.js';
import type { IsolationMode, IsolationPlan } from './isolation-mode.js';
import { EGRESS_PORT, EGRESS_SOCKET } from '../../egress/agent-network.js';
import type { ProcessLimits } from './limits/process-limits.js';
import type { SandboxLimits } from './limits/sandbox-limits.js';
import { bwrapArgs, type SandboxUser } from './sandbox-args.js';
import { removeProcessHome } from './process-homes.js';
import { spawnStreaming, type StreamingProcess } from './sandbox-stream.js';
import { BASE_ENV, commandEnv, runInSandbox, sandboxLaunch, type SandboxCommand, type SandboxCommandResult, type SandboxPlace } from './sandbox-command.js';
import { workerCommand } from './sandbox-worker.js';
import { ResidentPrograms } from './resident-programs.js';
import type { ResidentLaunch, ResidentProgramSource } from './resident-program.js';
import { SandboxWorkers, WORKER_TMP_BYTES } from './sandbox-workers.js';
import { TenantUids, type SharedUidAllocator } from './tenant-uids.js';

/** A resident program's private /tmp: it writes nothing there. */
const RESIDENT_TMP_BYTES = 1024 * 1024;

/** Who an agent process runs for. Processes (and spares) only serve tasks of the same identity. */
export interface SandboxIdentity {
  /** Opaque key added to the spawn key: '' without isolation, else the tenant id. */
  key: string;
  user: SandboxUser | null;
  /** The tenant's workspace subtree: the only part of WORKSPACE_ROOT the agent sees. */
  workspaceRoot: string;
  /** Other tenants' subtrees inside `workspaceRoot` (the default tenant owns the whole root). */
  masked: readonly string[];
}

/** A private HOME and CLAUDE_CONFIG_DIR for one agent process, removed when it exits. */
export interface ProcessHome {
  dir: string;
  configDir: string;
  /** The process's memory, pids, /tmp and CPU limits (its cgroup lives as long as the home). */
  limits: ProcessLimits | null;
  dispose(): void;
}

export interface SandboxTenant {
  id: string;
  /** Directory under WORKSPACE_ROOT ('' for the root itself). */
  workspaceDir: string;
}

export interface SandboxSettings {
  dataDir: string;
  /** Where this server's agent processes get their private homes: its own, cleared at start (see InstanceSlot). */
  homesDir: string;
  workspaceRoot: string;
  tenants: readonly SandboxTenant[];
  uidBase: number;
  /** With several instances on one Redis, the deployment-wide uid map (see TenantUids). */
  sharedUids?: SharedUidAllocator | null;
  /** Per-sandbox resource limits (see limits/sandbox-limits.ts); none when absent. */
  limits?: SandboxLimits | null;
  /** AGENT_READONLY_PATHS: host directories every agent sees read-only, at the same path. */
  readOnlyPaths?: readonly string[];
}

/** Who owns what the server creates for this identity on the host: the tenant's uid, or the server itself. */
export function ownerOf(identity: SandboxIdentity): Owner | null {
  const user = identity.user;
  return user?.kind === 'uid' ? { uid: user.uid, gid: user.gid } : null;
}

export interface Launch {
  command: string;
  args: string[];
  cwd: string | undefined;
  env: Record<string, string | undefined>;
}

/**
 * How agent processes are confined (see isolation-mode.ts for how the mode is chosen): which
 * identity a tenant's processes get, their private homes, the ownership of what they may write,
 * and the wrapper command line every CLI process is started through.
 */
export class AgentSandbox {
  private readonly uids: TenantUids | null;
  private readonly homesDir: string;
  /** Homes being emptied in a sandbox after their process exited; shutdown waits for them. */
  private readonly removals = new Set<Promise<void>>();
  /** Long-lived sandboxes for the server's short commands (none without isolation: a spawn is cheap). */
  private readonly workers: SandboxWorkers<SandboxIdentity> | null;
  /** Long-lived programs answering the server's questions about a tenant's tree (see resident-program.ts). */
  private readonly residents = new ResidentPrograms<SandboxIdentity>((place, program) => this.residentLaunch(place, program));

  constructor(
    private readonly plan: IsolationPlan,
    private readonly settings: SandboxSettings,
  ) {
    this.uids = plan.perTenantUid ? new TenantUids(path.join(settings.dataDir, 'agent-uids.json'), settings.uidBase, settings.sharedUids ?? null) : null;
    this.homesDir = settings.homesDir;
    this.workers =
      plan.mode === 'none'
        ? null
        : new SandboxWorkers<SandboxIdentity>((place, binds) => {
            const worker = workerCommand();
            const limits = this.limitsFor(place);
            const launch = sandboxLaunch(plan, place, place.user!, binds, '/', worker.command, worker.args, WORKER_TMP_BYTES);
            return { ...(limits?.outside(launch) ?? launch), env: { ...BASE_ENV }, release: () => limits?.dispose() };
          });
  }

  get mode(): IsolationMode {
    return this.plan.mode;
  }

  /**
   * Locks DATA_DIR to the server, creates every tenant's subtree up front (so a mask exists for
   * each before any sandbox starts) owned by the tenant's uid, and clears homes left by a crash.
   * Returns warnings for the log (a symlink found where a tenant's root belongs).
   */
  async init(): Promise<string[]> {
    await mkdir(this.settings.dataDir, { recursive: true });
    if (this.plan.mode !== 'none') await chmod(this.settings.dataDir, 0o700);
    await clearHomesOfDeadServer(this.homesDir);
    await this.uids?.load(this.settings.tenants.map((t) => t.id));
    const warnings: string[] = [];
    const ownerOfTenant = (tenantId: string): Owner | null => ownerOf(this.identityFor(tenantId));
    const rootTenant = this.settings.tenants.find((t) => t.workspaceDir === '');
    const tenantUids = this.settings.tenants.map((t) => ownerOfTenant(t.id)?.uid).filter((uid): uid is number => uid !== undefined);
    await ensureWorkspaceRoot(this.settings.workspaceRoot, rootTenant ? ownerOfTenant(rootTenant.id) : null, tenantUids);
    for (const tenant of this.settings.tenants) {
      if (tenant.workspaceDir === '') continue;
      const { removedSymlinkTo } = await ensureTenantRoot(this.settings.workspaceRoot, tenant.workspaceDir, ownerOfTenant(tenant.id));
      if (removedSymlinkTo !== null)
        warnings.push(`A symlink to ${removedSymlinkTo} stood where tenant ${tenant.id}'s workspace root belongs; it was replaced by a directory`);
    }
    return warnings;
  }

  identityFor(tenantId: string): SandboxIdentity {
    const tenant = this.settings.tenants.find((t) => t.id === tenantId) ?? { id: tenantId, workspaceDir: '' };
    const workspaceRoot = path.join(this.settings.workspaceRoot, tenant.workspaceDir);
    if (this.plan.mode === 'none') return { key: '', user: null, workspaceRoot, masked: [] };
    const masked = this.settings.tenants
      .filter((t) => t.id !== tenant.id && t.workspaceDir !== tenant.workspaceDir)
      .map((t) => path.join(this.settings.workspaceRoot, t.workspaceDir))
      .filter((dir) => isInside(dir, workspaceRoot, { strictly: true }));
    const user: SandboxUser = this.uids
      ? { kind: 'uid', uid: this.uids.uidOf(tenant.id), gid: this.uids.uidOf(tenant.id), setpriv: this.plan.setpriv }
      : { kind: 'userns' };
    return { key: tenant.id, user, workspaceRoot, masked };
  }

  async createHome(identity: SandboxIdentity): Promise<ProcessHome> {
    const dir = path.join(this.homesDir, randomUUID());
    const configDir = path.join(dir, '.claude');
    const owner = ownerOf(identity);
    await createPrivateDirectory(dir, owner);
    await createPrivateDirectory(configDir, owner);
    const limits = this.plan.mode === 'none' ? null : (this.settings.limits?.forProcess(identity.key) ?? null);
    return {
      dir,
      configDir,
      limits,
      dispose: () => {
        limits?.dispose();
        const removal = removeProcessHome(this, identity, dir).finally(() => this.removals.delete(removal));
        this.removals.add(removal);
      },
    };
  }

  /** Resolves once every home let go so far is removed (the server must not exit before). */
  async homesRemoved(): Promise<void> {
    while (this.removals.size > 0) await Promise.all([...this.removals]);
  }

  /**
   * Runs a short command in the identity's sandbox, as the tenant (see sandbox-command.ts): in
   * one of the tenant's worker sandboxes when the command allows it and one is free.
   */
  run(identity: SandboxIdentity, command: SandboxCommand): Promise<SandboxCommandResult> {
    return this.workers?.tryRun(identity, command, commandEnv(command)) ?? this.runAlone(identity, identity, command);
  }

  /**
   * The same as run(), in a sandbox of its own, with stdin and stdout left to the caller as
   * streams (files in and out of a workspace: see src/files/).
   */
  stream(identity: SandboxIdentity, command: Pick<SandboxCommand, 'command' | 'args' | 'cwd' | 'env' | 'timeoutMs'>): StreamingProcess {
    const env = commandEnv(command);
    if (this.plan.mode === 'none' || identity.user === null) return spawnStreaming({ ...command, env }, command.timeoutMs);
    const limits = this.limitsFor(identity);
    const launch = sandboxLaunch(this.plan, identity, identity.user, [identity.workspaceRoot], command.cwd, command.command, command.args);
    return spawnStreaming({ ...(limits?.outside(launch) ?? launch), cwd: '/', env }, command.timeoutMs, () => limits?.dispose());
  }

  /** Asks a resident program in the identity's sandbox, as the tenant, one question (see resident-programs.ts). */
  ask(identity: SandboxIdentity, program: ResidentProgramSource, request: object, timeoutMs: number): Promise<unknown> {
    return this.residents.ask(identity, program, request, timeoutMs);
  }

  /** Stops the worker sandboxes and resident programs (at shutdown, once no task runs). */
  closeWorkers(): void {
    this.workers?.close();
    this.residents.close();
  }

  /**
   * The same as root keeping only `keepCaps`, for handing the tenant what it must own. As the
   * server is not root nothing needs handing over, and without a sandbox there is no confinement:
   * null then.
   */
  runPrivileged(identity: SandboxIdentity, keepCaps: readonly string[], command: SandboxCommand): Promise<SandboxCommandResult> | null {
    if (this.plan.mode === 'none' || identity.user?.kind !== 'uid') return null;
    return this.runAlone(identity, { ...identity, user: { kind: 'root', setpriv: this.plan.setpriv, keepCaps } }, command);
  }

  /**
   * The limits of one sandbox of the tenant's, for the server's own commands there too: what
   * they do is sized by the tenant's tree (a walk, git over every file), so the tenant's memory
   * and process limits bound it, and its CPU weight counts it as the tenant's.
   */
  private limitsFor(identity: SandboxIdentity): ProcessLimits | null {
    if (this.plan.mode === 'none') return null;
    return this.settings.limits?.forProcess(identity.key) ?? null;
  }

  /**
   * A resident program runs on this server's own node, seen read-only at the same path (unless
   * the system directories hold it already); its private /tmp is kept small, it writes nothing there.
   */
  private residentLaunch(place: SandboxIdentity, program: ResidentProgramSource): ResidentLaunch {
    const node = process.execPath;
    const args = ['--max-old-space-size=128', '-e', program.source];
    if (this.plan.mode === 'none' || place.user === null) return { command: node, args, env: { ...BASE_ENV } };
    const nodeDir = path.dirname(node);
    const readOnly = this.plan.system.some((entry) => isInside(nodeDir, entry.path)) ? [] : [nodeDir];
    const limits = this.limitsFor(place);
    const launch = sandboxLaunch(this.plan, place, place.user, [place.workspaceRoot], '/', node, args, RESIDENT_TMP_BYTES, readOnly);
    return { ...(limits?.outside(launch) ?? launch), env: { ...BASE_ENV }, release: () => limits?.dispose() };
  }

  private async runAlone(identity: SandboxIdentity, place: SandboxPlace, command: SandboxCommand): Promise<SandboxCommandResult> {
    const limits = this.limitsFor(identity);
    try {
      return await runInSandbox(this.plan, place, command, (launch) => limits?.outside(launch) ?? launch);
    } finally {
      limits?.dispose();
    }
  }

  /**
   * The command line that starts `command` inside this identity's sandbox, in a network namespace
   * of its own; `socketDir` holds the process's proxy sockets (src/egress/agent-network.ts).
   */
  wrap(launch: Launch, identity: SandboxIdentity, home: ProcessHome, socketDir: string | null = null): Launch {
    if (this.plan.mode === 'none' || identity.user === null) return launch;
    const readWrite = [identity.workspaceRoot, home.dir];
    // A resume from the transcript store runs in a directory the SDK materialised just now.
    const configDir = launch.env.CLAUDE_CONFIG_DIR;
    if (configDir !== undefined && !isInside(configDir, home.dir)) {
      if (identity.user.kind === 'uid') handOverFreshTreeSync(configDir, { uid: identity.user.uid, gid: identity.user.gid });
      readWrite.push(configDir);
    }
    const commandDir = path.dirname(launch.command);
    const readOnly = [...(path.isAbsolute(launch.command) && !isInside(commandDir, '/usr') ? [commandDir] : []), ...(this.settings.readOnlyPaths ?? [])];
    const inner = home.limits?.inside(launch) ?? launch;
    const tmpSize = this.settings.limits?.sizesTmp ? home.limits?.limits.tmpSize : undefined;
    const args = bwrapArgs(
      this.plan.system,
      {
        readOnly,
        readWrite,
        masked: identity.masked,
        cwd: launch.cwd ?? home.dir,
        tmpSize,
        ...(socketDir === null ? {} : { network: { socketDir, socat: this.plan.socat, egressSocket: EGRESS_SOCKET, egressPort: EGRESS_PORT } }),
      },
      identity.user,
      inner.command,
      inner.args,
    );
    const outer = home.limits?.outside({ command: this.plan.bwrap, args }) ?? { command: this.plan.bwrap, args };
    return { ...outer, cwd: launch.cwd, env: { ...launch.env, TMPDIR: '/tmp' } };
  }
}
