import { spawnSync } from 'node:child_process';
import { bwrapArgs, hostSystemLayout, type SandboxUser, type SystemLayout } from './sandbox-args.js';

/** AGENT_ISOLATION: what the operator asked for. */
export type IsolationSetting = 'auto' | 'bwrap' | 'none';
export const ISOLATION_SETTINGS: readonly IsolationSetting[] = ['auto', 'bwrap', 'none'];

/** What is in force, reported on /health as `isolation`. */
export type IsolationMode = 'bwrap' | 'none';

export interface IsolationPlan {
  mode: IsolationMode;
  /** Root: one uid per tenant (setpriv inside bwrap). Not root: a user namespace. */
  perTenantUid: boolean;
  bwrap: string;
  setpriv: string;
  /** Bridges each sandbox's loopback port to its egress proxy socket. */
  socat: string;
  system: SystemLayout;
  /** The one start-up log line. */
  summary: string;
}

/** Isolation was asked for (or is the default) but this machine cannot provide it. */
export class IsolationUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IsolationUnavailableError';
  }
}

export interface ProbeEnvironment {
  isRoot: boolean;
  platform: NodeJS.Platform;
  /** Absolute path of a command, or null (defaults to `command -v`). */
  which?: (command: string) => string | null;
  /** Runs a command, returning its exit code and stderr (defaults to spawnSync). */
  run?: (command: string, args: string[]) => { status: number | null; stderr: string };
}

function which(command: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8', timeout: 5000 });
  const path = found.stdout?.trim();
  return found.status === 0 && path ? path : null;
}

function run(command: string, args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'ignore', 'pipe'] });
  return { status: result.status, stderr: result.stderr ?? String(result.error ?? '') };
}

const INSTALL_HINT = 'install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)';
const NONE_HINT = 'or set AGENT_ISOLATION=none to run agents without isolation (not for untrusted tasks)';

/**
 * Decides how agent processes are isolated. The probe runs the very sandbox a CLI process
 * gets (namespaces, fresh /proc, the uid switch), so what works here works for every task.
 */
export function planIsolation(setting: IsolationSetting, env: ProbeEnvironment): IsolationPlan {
  const none: IsolationPlan = {
    mode: 'none',
    perTenantUid: false,
    bwrap: '',
    setpriv: '',
    socat: '',
    system: [],
    summary: 'Agent isolation: none (AGENT_ISOLATION=none): agents run as the server user and can reach its files, processes and secrets',
  };
  if (setting === 'none') return none;
  const find = env.which ?? which;
  const exec = env.run ?? run;
  const refuse = (why: string): never => {
    throw new IsolationUnavailableError(`Agent isolation unavailable: ${why}; ${NONE_HINT}`);
  };
  if (env.platform !== 'linux') refuse(`it needs Linux namespaces (this is ${env.platform})`);
  const bwrap = find('bwrap');
  if (bwrap === null) refuse(`bwrap not found: ${INSTALL_HINT}`);
  const setpriv = env.isRoot ? find('setpriv') : '';
  if (setpriv === null) refuse('setpriv not found: install util-linux');
  const socat = find('socat');
  if (socat === null) refuse('socat not found (it bridges each sandbox to its network proxy): install socat (Debian/Ubuntu: apt-get install socat)');
  const system = hostSystemLayout();
  const user: SandboxUser = env.isRoot ? { kind: 'uid', uid: 65534, gid: 65534, setpriv: setpriv! } : { kind: 'userns' };
  // socat itself, inside a sandbox with its own network namespace, as an agent runs it.
  const probe = exec(bwrap!, bwrapArgs(system, { readOnly: [], readWrite: [], masked: [], cwd: '/' }, user, socat!, ['-V']));
  if (probe.status !== 0) {
    const detail = probe.stderr.trim().split('\n').at(-1) ?? 'failed';
    refuse(
      env.isRoot
        ? `bwrap cannot create PID/mount/network namespaces here (${detail}): grant CAP_SYS_ADMIN (e.g. docker run --cap-add SYS_ADMIN)`
        : `bwrap cannot create an unprivileged user namespace here (${detail}): enable user namespaces (sysctl kernel.unprivileged_userns_clone=1 / kernel.apparmor_restrict_unprivileged_userns=0; in Docker: --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined)`,
    );
  }
  return {
    mode: 'bwrap',
    perTenantUid: env.isRoot,
    bwrap: bwrap!,
    setpriv: setpriv!,
    socat: socat!,
    system,
    summary: env.isRoot
      ? 'Agent isolation: bwrap (PID/mount/IPC/network namespaces, one uid per tenant via setpriv; only the tenant workspace subtree and a private config dir are visible)'
      : 'Agent isolation: bwrap (PID/mount/IPC/network namespaces in a user namespace; only the tenant workspace subtree and a private config dir are visible)',
  };
}
