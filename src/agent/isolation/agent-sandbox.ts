import { randomUUID } from 'node:crypto';
import { chmodSync, lchownSync, lstatSync, readdirSync, rmSync } from 'node:fs';
import { chmod, chown, lchown, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { IsolationMode, IsolationPlan } from './isolation-mode.js';
import type { ProcessLimits } from './limits/process-limits.js';
import type { SandboxLimits } from './limits/sandbox-limits.js';
import { bwrapArgs, type SandboxUser } from './sandbox-args.js';
import { TenantUids, type SharedUidAllocator } from './tenant-uids.js';

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

  constructor(
    private readonly plan: IsolationPlan,
    private readonly settings: SandboxSettings,
  ) {
    this.uids = plan.perTenantUid ? new TenantUids(path.join(settings.dataDir, 'agent-uids.json'), settings.uidBase, settings.sharedUids ?? null) : null;
    this.homesDir = settings.homesDir;
  }

  get mode(): IsolationMode {
    return this.plan.mode;
  }

  /**
   * Locks DATA_DIR to the server, creates every tenant's subtree up front (so a mask exists for
   * each before any sandbox starts) owned by the tenant's uid, and clears homes left by a crash.
   */
  async init(): Promise<void> {
    await mkdir(this.settings.dataDir, { recursive: true });
    if (this.plan.mode !== 'none') await chmod(this.settings.dataDir, 0o700);
    await rm(this.homesDir, { recursive: true, force: true });
    await mkdir(this.homesDir, { recursive: true, mode: 0o711 });
    await this.uids?.load(this.settings.tenants.map((t) => t.id));
    for (const tenant of this.settings.tenants) {
      const identity = this.identityFor(tenant.id);
      await mkdir(identity.workspaceRoot, { recursive: true });
      if (identity.user?.kind === 'uid') {
        await chown(identity.workspaceRoot, identity.user.uid, identity.user.gid);
        await chmod(identity.workspaceRoot, 0o700);
      }
    }
  }

  identityFor(tenantId: string): SandboxIdentity {
    const tenant = this.settings.tenants.find((t) => t.id === tenantId) ?? { id: tenantId, workspaceDir: '' };
    const workspaceRoot = path.join(this.settings.workspaceRoot, tenant.workspaceDir);
    if (this.plan.mode === 'none') return { key: '', user: null, workspaceRoot, masked: [] };
    const masked = this.settings.tenants
      .filter((t) => t.id !== tenant.id && t.workspaceDir !== tenant.workspaceDir)
      .map((t) => path.join(this.settings.workspaceRoot, t.workspaceDir))
      .filter((dir) => dir.startsWith(workspaceRoot + path.sep));
    const user: SandboxUser = this.uids
      ? { kind: 'uid', uid: this.uids.uidOf(tenant.id), gid: this.uids.uidOf(tenant.id), setpriv: this.plan.setpriv }
      : { kind: 'userns' };
    return { key: tenant.id, user, workspaceRoot, masked };
  }

  async createHome(identity: SandboxIdentity): Promise<ProcessHome> {
    const dir = path.join(this.homesDir, randomUUID());
    const configDir = path.join(dir, '.claude');
    await mkdir(configDir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    if (identity.user?.kind === 'uid') {
      await chown(dir, identity.user.uid, identity.user.gid);
      await chown(configDir, identity.user.uid, identity.user.gid);
    }
    const limits = this.plan.mode === 'none' ? null : (this.settings.limits?.forProcess(identity.key) ?? null);
    return {
      dir,
      configDir,
      limits,
      dispose: () => {
        limits?.dispose();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  /**
   * Gives the tenant's uid what it must write: the workspace a process starts in, and anything in
   * it the server or an operator created as root. Entries already owned are skipped, symlinks are
   * not followed, and other tenants' subtrees are never entered.
   */
  async prepareWorkspace(identity: SandboxIdentity, cwd: string): Promise<void> {
    const user = identity.user;
    if (user?.kind !== 'uid') return;
    const relative = path.relative(identity.workspaceRoot, cwd);
    if (relative.startsWith('..') || path.isAbsolute(relative)) return;
    let dir = identity.workspaceRoot;
    for (const part of relative.split(path.sep).filter(Boolean)) {
      dir = path.join(dir, part);
      await this.own(dir, user.uid, user.gid, identity.masked, false);
    }
    await this.own(cwd, user.uid, user.gid, identity.masked, true);
  }

  /** The command line that starts `command` inside this identity's sandbox. */
  wrap(launch: Launch, identity: SandboxIdentity, home: ProcessHome): Launch {
    if (this.plan.mode === 'none' || identity.user === null) return launch;
    const readWrite = [identity.workspaceRoot, home.dir];
    // A resume from the transcript store runs in a directory the SDK materialised just now.
    const configDir = launch.env.CLAUDE_CONFIG_DIR;
    if (configDir !== undefined && !configDir.startsWith(home.dir + path.sep) && configDir !== home.dir) {
      if (identity.user.kind === 'uid') chownTreeSync(configDir, identity.user.uid, identity.user.gid);
      readWrite.push(configDir);
    }
    const commandDir = path.dirname(launch.command);
    const readOnly = path.isAbsolute(launch.command) && !commandDir.startsWith('/usr/') ? [commandDir] : [];
    const inner = home.limits?.inside(launch) ?? launch;
    const tmpSize = this.settings.limits?.sizesTmp ? home.limits?.limits.tmpSize : undefined;
    const args = bwrapArgs(
      this.plan.system,
      { readOnly, readWrite, masked: identity.masked, cwd: launch.cwd ?? home.dir, tmpSize },
      identity.user,
      inner.command,
      inner.args,
    );
    const outer = home.limits?.outside({ command: this.plan.bwrap, args }) ?? { command: this.plan.bwrap, args };
    return { ...outer, cwd: launch.cwd, env: { ...launch.env, TMPDIR: '/tmp' } };
  }

  private async own(target: string, uid: number, gid: number, masked: readonly string[], recursive: boolean): Promise<void> {
    if (masked.includes(target)) return;
    let stat;
    try {
      stat = await lstat(target);
    } catch {
      return;
    }
    if (stat.uid !== uid || stat.gid !== gid) await lchown(target, uid, gid);
    if (!recursive || !stat.isDirectory()) return;
    for (const entry of await readdir(target)) await this.own(path.join(target, entry), uid, gid, masked, true);
  }
}

function chownTreeSync(target: string, uid: number, gid: number): void {
  const stat = lstatSync(target);
  lchownSync(target, uid, gid);
  if (stat.isDirectory()) {
    chmodSync(target, 0o700);
    for (const entry of readdirSync(target)) chownTreeSync(path.join(target, entry), uid, gid);
  }
}
