import path from 'node:path';
import type { AgentSandbox, SandboxIdentity } from '../agent/isolation/agent-sandbox.js';
import { DomainError } from '../errors.js';
import { isInside } from '../lib/paths.js';
import { ResidentProgramError } from '../agent/isolation/resident-program.js';
import { handOverToTenant } from './workspace-ownership.js';
import { parseWorkspaceReport, WORKSPACE_INSPECTOR, type WorkspaceReport } from './inspector-program.js';

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
 * enter it: as the tenant, in the tenant's sandbox (one question to its inspector; see inspector-program.ts). When
 * something on the way was created by root, it is handed to the tenant first (as root with
 * CAP_CHOWN only, in the same view) and checked once more. Resolves with the real path, which the
 * task then uses (the CLI finds a session's transcripts by it); throws an DomainError with a
 * WORKSPACE_* code otherwise.
 */
export async function prepareWorkspace(sandbox: AgentSandbox, identity: SandboxIdentity, requested: string): Promise<string> {
  const target = locateWorkspace(identity, requested);
  const uid = identity.user?.kind === 'uid' ? identity.user.uid : null;
  const inspect = (asUid: number | null): Promise<WorkspaceReport> => inspectWorkspace(sandbox, identity, target, asUid);
  let report = await inspect(uid);
  for (let handOvers = 0; report.status === 'foreign-parent' || report.status === 'foreign-tree'; handOvers++) {
    // At most the parents, then the tree; what is still not the tenant's then (immutable files, say) stays so.
    const handed = handOvers < 2 && (await handOverToTenant(sandbox, identity, report.path, report.status === 'foreign-tree'));
    report = await inspect(handed ? uid : null);
  }
  if (report.status === 'error') throw new DomainError(report.code, `workspace "${requested}" ${report.why}`);
  // The sandbox's answer is checked as text too: it cannot name a path outside the tenant's root.
  assertInside(identity, report.path, requested);
  return report.path;
}

async function inspectWorkspace(sandbox: AgentSandbox, identity: SandboxIdentity, target: string, uid: number | null): Promise<WorkspaceReport> {
  const ask = () => sandbox.ask(identity, WORKSPACE_INSPECTOR, { op: 'check', root: identity.workspaceRoot, target, uid }, CHECK_TIMEOUT_MS);
  let answer: unknown;
  try {
    // An inspector that died under a question (killed from outside, out of memory) is replaced once, unseen by the client.
    answer = await ask().catch((error: unknown) => {
      if (error instanceof ResidentProgramError && error.exited) return ask();
      throw error;
    });
  } catch (error) {
    const why = error instanceof ResidentProgramError && error.timedOut ? 'timed out' : error instanceof Error ? error.message : String(error);
    throw new DomainError('WORKSPACE_INVALID', `workspace ${target} could not be examined (${why})`);
  }
  const report = parseWorkspaceReport(answer);
  if (report === null) throw new DomainError('WORKSPACE_INVALID', `workspace ${target} could not be examined (an answer of an unexpected shape)`);
  return report;
}
