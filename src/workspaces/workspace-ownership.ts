import path from 'node:path';
import type { AgentSandbox, SandboxIdentity } from '../agent/isolation/agent-sandbox.js';
import { DomainError } from '../errors.js';
import { isInside } from '../lib/paths.js';

/** A recursive chown of a large tree is slow, but it only runs when something needs handing over. */
const HAND_OVER_TIMEOUT_MS = 300_000;

/**
 * Hands the tenant what the server or an operator created as root in its tree: the directories
 * between the tenant's root and `target` (each on its own) and, for a workspace, the whole tree
 * below it. It runs as root keeping only CAP_CHOWN and CAP_DAC_READ_SEARCH (to read directories
 * the tenant keeps closed), in a sandbox that shows nothing but the tenant's tree, with GNU
 * chown's physical walk (-P: no symlink followed, -h: a symlink is re-owned itself). A directory
 * swapped for a symlink mid-walk therefore leads nowhere but the tenant's own tree. Returns false
 * when no handing over applies (the server is not root, or there is no sandbox).
 */
export async function handOverToTenant(sandbox: AgentSandbox, identity: SandboxIdentity, target: string, recursive: boolean): Promise<boolean> {
  const user = identity.user;
  if (user?.kind !== 'uid' || !isInside(target, identity.workspaceRoot)) return false;
  const parents = dirsBelowRoot(identity.workspaceRoot, recursive ? path.dirname(target) : target);
  const owner = `${user.uid}:${user.gid}`;
  const script = 'o=$1 t=$2; shift 2; if [ $# -gt 0 ]; then chown -h -- "$o" "$@" || exit; fi; [ -z "$t" ] || chown -R -P -h -- "$o" "$t"';
  const run = sandbox.runPrivileged(identity, ['chown', 'dac_read_search'], {
    command: 'sh',
    args: ['-c', script, 'sh', owner, recursive ? target : '', ...parents],
    cwd: identity.workspaceRoot,
    timeoutMs: HAND_OVER_TIMEOUT_MS,
    maxOutputBytes: 64 * 1024,
  });
  if (run === null) return false;
  const result = await run;
  if (result.code !== 0) {
    const why = result.timedOut ? 'timed out' : result.stderr.trim().split('\n').at(-1) || `exit ${result.code ?? result.signal}`;
    throw new DomainError('WORKSPACE_NOT_WRITABLE', `workspace ${target} could not be handed to the agent's user (${why})`);
  }
  return true;
}

/**
 * `from` and its parents up to, not including, the tenant's root, shallowest first. The root
 * stops the walk: it is handed over once, when it is made (ensureTenantRoot), and a root shared
 * with other tenants (the default tenant's WORKSPACE_ROOT) must never be given to one of them.
 */
export function dirsBelowRoot(root: string, from: string): string[] {
  const dirs: string[] = [];
  for (let dir = from; isInside(dir, root, { strictly: true }); dir = path.dirname(dir)) dirs.unshift(dir);
  return dirs;
}
