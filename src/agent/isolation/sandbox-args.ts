import { lstatSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { isInside } from '../../lib/paths.js';

/** The host's top-level system paths, bound read-only (or recreated as the same symlinks). */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc'] as const;
/** Bound when present: DNS on systemd hosts points /etc/resolv.conf here. */
const OPTIONAL_SYSTEM_DIRS = ['/run/systemd/resolve'] as const;

/** How the system directories look on this host: merged-/usr distributions use symlinks. */
export type SystemLayout = ReadonlyArray<{ path: string; symlinkTo?: string }>;

export function hostSystemLayout(): SystemLayout {
  const layout: { path: string; symlinkTo?: string }[] = [];
  for (const dir of SYSTEM_DIRS) {
    try {
      const stat = lstatSync(dir);
      layout.push(stat.isSymbolicLink() ? { path: dir, symlinkTo: readlinkSync(dir) } : { path: dir });
    } catch {
      // absent on this host (e.g. /lib32): nothing to bind
    }
  }
  return layout;
}

/** Parent directories of the bound paths that bwrap has to create, shallowest first. */
function parentsToCreate(system: SystemLayout, view: SandboxView): string[] {
  const bound = [...view.readOnly, ...view.readWrite];
  const provided = [...system.map((e) => e.path), '/proc', '/dev', ...bound];
  const tmpfs = ['/tmp', '/var', '/var/tmp'];
  const parents = new Set<string>();
  for (const target of bound) {
    for (let dir = path.dirname(target); dir !== '/' && dir !== '.'; dir = path.dirname(dir)) {
      if (tmpfs.includes(dir) || provided.some((p) => isInside(dir, p))) continue;
      parents.add(dir);
    }
  }
  return [...parents].sort((a, b) => a.split('/').length - b.split('/').length);
}

/** Who the agent runs as inside the sandbox. */
export type SandboxUser =
  /** The server is root: bwrap runs as root, then setpriv drops to this tenant's own uid. */
  | { kind: 'uid'; uid: number; gid: number; setpriv: string }
  /** The server is not root: an unprivileged user namespace (the host sees the server's uid). */
  | { kind: 'userns' }
  /**
   * Root inside, keeping only `keepCaps` (setpriv capability names such as `chown`): for the one
   * step only root can do, handing a tenant what it must own. The sandbox still sees nothing but
   * the tenant's tree, so even a path swapped mid-walk cannot lead it anywhere else.
   */
  | { kind: 'root'; setpriv: string; keepCaps: readonly string[] };

/** Where a process's proxy sockets appear inside its sandbox (see src/egress/agent-network.ts). */
export const SANDBOX_NET_DIR = '/run/agent-net';

/**
 * The way out of a sandbox's own network namespace: the host directory with the process's
 * sockets, and socat, which bridges 127.0.0.1:port inside to the egress proxy's socket.
 */
export interface SandboxNetwork {
  socketDir: string;
  socat: string;
  egressSocket: string;
  egressPort: number;
}

/** What one agent process may see; every path is bound at the same path it has on the host. */
export interface SandboxView {
  readOnly: readonly string[];
  readWrite: readonly string[];
  /** Hidden under an empty tmpfs: other tenants' subtrees inside this tenant's tree. */
  masked: readonly string[];
  cwd: string;
  /** The private /tmp's size in bytes (AGENT_TMP_SIZE); tmpfs defaults to half the host's RAM. */
  tmpSize?: number | undefined;
  network?: SandboxNetwork;
}

/**
 * Starts socat in the background (its stdio and the key pipe on fd 3 closed) and execs the
 * command: `sh -c SCRIPT sh command args...`. socat dies with the sandbox's PID namespace.
 */
function bridged(network: SandboxNetwork, command: string, args: readonly string[]): string[] {
  const listen = `TCP-LISTEN:${network.egressPort},bind=127.0.0.1,fork,reuseaddr`;
  const target = `UNIX-CONNECT:${SANDBOX_NET_DIR}/${network.egressSocket}`;
  const script = `'${network.socat}' ${listen} ${target} </dev/null >/dev/null 2>&1 3<&- & exec "$@"`;
  return ['/bin/sh', '-c', script, 'sh', command, ...args];
}

/**
 * The bwrap command line for one agent process. Nothing of the host is visible except the
 * system directories (read-only), the view's paths and a private /tmp, /proc and /dev:
 * DATA_DIR, the server's source tree and other tenants simply do not exist inside. The PID
 * namespace hides every other process (the server included) and --die-with-parent kills the
 * whole sandbox when the server dies, even by SIGKILL. The network namespace is the sandbox's
 * own, with nothing but `lo`: no host listener (API, metrics, Redis, the model upstream) and no
 * other machine is reachable. The model and allowlisted hosts are reached only through the
 * proxy sockets of `view.network`.
 */
export function bwrapArgs(system: SystemLayout, view: SandboxView, user: SandboxUser, command: string, args: readonly string[]): string[] {
  const out: string[] = ['--die-with-parent', '--new-session', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-net', '--unshare-cgroup-try'];
  // As root, bwrap must not create a user namespace: it would map the agent to host root.
  if (user.kind === 'userns') out.push('--unshare-user', '--disable-userns');
  for (const entry of system) {
    if (entry.symlinkTo !== undefined) out.push('--symlink', entry.symlinkTo, entry.path);
    else out.push('--ro-bind', entry.path, entry.path);
  }
  // bwrap would create /run (for the binds below) as 0700, closed to a per-tenant uid.
  out.push('--perms', '0755', '--dir', '/run');
  for (const dir of OPTIONAL_SYSTEM_DIRS) out.push('--ro-bind-try', dir, dir);
  // Every RAM-backed place the agent can write is bounded: one sized /tmp (/var/tmp points
  // there), a read-only /dev (in a user namespace the agent would own its tmpfs).
  out.push('--proc', '/proc', '--dev', '/dev', '--remount-ro', '/dev');
  if (view.tmpSize !== undefined) out.push('--size', String(view.tmpSize));
  out.push('--perms', '1777', '--tmpfs', '/tmp', '--perms', '0755', '--dir', '/var', '--symlink', '/tmp', '/var/tmp');
  // bwrap would copy the host's modes onto the parents it creates (a 0700 mkdtemp, DATA_DIR),
  // leaving a per-tenant uid unable to reach its own bound directories: make them traverse-only
  // (0111: nobody lists them, so the agent learns nothing of what else is there).
  for (const dir of parentsToCreate(system, view)) out.push('--perms', '0111', '--dir', dir);
  for (const dir of view.readOnly) out.push('--ro-bind', dir, dir);
  for (const dir of view.readWrite) out.push('--bind', dir, dir);
  for (const dir of view.masked) out.push('--tmpfs', dir, '--remount-ro', dir);
  if (view.network) out.push('--ro-bind', view.network.socketDir, SANDBOX_NET_DIR);
  out.push('--chdir', view.cwd, '--');
  if (user.kind === 'root') {
    const keep = user.keepCaps.map((cap) => `+${cap}`).join(',');
    out.push(user.setpriv, `--inh-caps=-all${keep ? `,${keep}` : ''}`, `--bounding-set=-all${keep ? `,${keep}` : ''}`, '--pdeathsig', 'KILL', '--');
  } else if (user.kind === 'uid') {
    out.push(
      user.setpriv,
      `--reuid=${user.uid}`,
      `--regid=${user.gid}`,
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      // Relative to the sandbox's init; the sandbox itself dies with the server (--die-with-parent).
      '--pdeathsig',
      'KILL',
      '--',
    );
  }
  out.push(...(view.network ? bridged(view.network, command, args) : [command, ...args]));
  return out;
}
