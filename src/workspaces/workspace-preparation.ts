import path from 'node:path';
import type { AgentSandbox, SandboxIdentity } from '../agent/isolation/agent-sandbox.js';
import { DomainError } from '../errors.js';
import { isInside } from '../lib/paths.js';
import { handOverToTenant } from './workspace-ownership.js';
import { parseWorkspaceReport, WORKSPACE_SCRIPT, type WorkspaceReport } from './workspace-script.js';

/** Long enough to look through a very large workspace for files the tenant does not own. */
const CHECK_TIMEOUT_MS = 120_000;

/**
 * The host's part of a workspace check: nothing but text. The path must be free of NUL bytes,
 * inside the tenant's root and outside other tenants' subtrees. Returns it absolute and
 * normalised; everything that looks at the disk happens in the sandbox (prepareWorkspace).
 */
export function locateWorkspace(identity: SandboxIdentity, requested: string): string {
  if (requested.includes('\0')) throw new DomainError('WORKSPACE_INVALID', 'workspace must not contain NUL bytes');
  const target = path.resolve(identity.workspaceRoot, requested);
  assertInside(identity, target, requested);
  return target;
}

function assertInside(identity: SandboxIdentity, target: string, requested: string): void {
  if (isInside(target, identity.workspaceRoot) && !identity.masked.some((other) => isInside(target, other))) return;
  throw new DomainError('WORKSPACE_OUTSIDE_ROOT', `workspace "${requested}" resolves outside WORKSPACE_ROOT`);
}

/**
 * Creates the workspace if it is missing and checks that the tenant's agent can read, write and
 * enter it: as the tenant, in the tenant's sandbox (one launch; see workspace-script.ts). When
 * something on the way was created by root, it is handed to the tenant first (as root with
 * CAP_CHOWN only, in the same view) and checked once more. Resolves with the real path, which the
 * task then uses (the CLI finds a session's transcripts by it); throws an DomainError with a
 * WORKSPACE_* code otherwise.
 */
export async function prepareWorkspace(sandbox: AgentSandbox, identity: SandboxIdentity, requested: string): Promise<string> {
  const target = locateWorkspace(identity, requested);
  const uid = identity.user?.kind === 'uid' ? String(identity.user.uid) : '';
  const inspect = (asUid: string): Promise<WorkspaceReport> => inspectWorkspace(sandbox, identity, target, asUid);
  let report = await inspect(uid);
  for (let handOvers = 0; report.status === 'foreign-parent' || report.status === 'foreign-tree'; handOvers++) {
    // At most the parents, then the tree; what is still not the tenant's then (immutable files, say) stays so.
    const handed = handOvers < 2 && (await handOverToTenant(sandbox, identity, report.path, report.status === 'foreign-tree'));
    report = await inspect(handed ? uid : '');
  }
  if (report.status === 'error') throw new DomainError(report.code, `workspace "${requested}" ${report.why}`);
  // The sandbox's answer is checked as text too: it cannot name a path outside the tenant's root.
  assertInside(identity, report.path, requested);
  return report.path;
}

async function inspectWorkspace(sandbox: AgentSandbox, identity: SandboxIdentity, target: string, uid: string): Promise<WorkspaceReport> {
  const result = await sandbox.run(identity, {
    // bash: a worker sandbox runs a bash script in its own shell, without starting a process for it.
    command: 'bash',
    args: ['-c', WORKSPACE_SCRIPT, 'check-workspace', identity.workspaceRoot, target, uid],
    cwd: identity.workspaceRoot,
    timeoutMs: CHECK_TIMEOUT_MS,
    maxOutputBytes: 64 * 1024,
    reusable: true,
  });
  const report = result.code === 0 ? parseWorkspaceReport(result.stdout.toString('utf8')) : null;
  if (report !== null) return report;
  const why = result.timedOut ? 'timed out' : result.stderr.trim().split('\n').at(-1) || `exit ${result.code ?? result.signal}`;
  throw new DomainError('WORKSPACE_INVALID', `workspace ${target} could not be examined (${why})`);
}
