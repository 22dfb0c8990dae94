import type { AgentSandbox } from '../agent/isolation/agent-sandbox.js';
import { DomainError } from '../errors.js';
import { isInside } from '../lib/paths.js';
import { locateWorkspace, prepareWorkspace } from './workspace-preparation.js';

/** Long enough to copy a very large workspace (a repository with its history). */
const COPY_TIMEOUT_MS = 600_000;

/**
 * Copies the source workspace's contents into the target, as the tenant inside the tenant's
 * sandbox, which shows nothing but the tenant's own tree: whatever a symlink in the source points
 * at, `cp -a` copies the link itself (never what it points to), and no path it writes can lie
 * outside that tree. The target must be empty, so a copy never mixes with files already there.
 * Output: `ok`, or `not-empty`; anything else is a failure (stderr says why).
 */
const COPY_SCRIPT = String.raw`
source=$1 target=$2
[ -d "$source" ] && [ ! -L "$source" ] || { echo "the source workspace is missing" >&2; exit 3; }
[ -d "$target" ] && [ ! -L "$target" ] || { echo "the fork's workspace is not a directory" >&2; exit 3; }
if [ -n "$(ls -A -- "$target")" ]; then printf not-empty; exit 0; fi
cp -a --no-dereference -- "$source/." "$target/" || exit 4
printf ok
`;

/**
 * A fork's own copy of its source session's workspace (`.git` and all, symlinks as symlinks):
 * creates the target (`requested`, relative to the tenant's root or absolute inside it), checks it
 * as any workspace is checked, copies, and resolves with the target's real path.
 */
export async function copyWorkspace(sandbox: AgentSandbox, tenantId: string, source: string, requested: string): Promise<string> {
  const identity = sandbox.identityFor(tenantId);
  assertApart(source, locateWorkspace(identity, requested), requested);
  const target = await prepareWorkspace(sandbox, identity, requested);
  assertApart(source, target, requested);
  const result = await sandbox.run(identity, {
    command: 'bash',
    args: ['-c', COPY_SCRIPT, 'copy-workspace', source, target],
    cwd: identity.workspaceRoot,
    timeoutMs: COPY_TIMEOUT_MS,
    maxOutputBytes: 64 * 1024,
    reusable: true,
  });
  const answer = result.stdout.toString('utf8');
  if (result.code === 0 && answer === 'not-empty') {
    throw new DomainError('WORKSPACE_NOT_EMPTY', `workspace "${requested}" already holds files; a fork's copy needs an empty or new directory`);
  }
  if (result.code === 0 && answer === 'ok') return target;
  const why = result.timedOut ? 'timed out' : result.stderr.trim().split('\n').slice(-3).join('; ') || `exit ${result.code ?? result.signal}`;
  throw new DomainError('WORKSPACE_COPY_FAILED', `The source workspace could not be copied into "${requested}": ${why}`);
}

/** A copy into itself (or of its own parent) would never end, or copy the copy. */
function assertApart(source: string, target: string, requested: string): void {
  if (isInside(target, source) || isInside(source, target)) {
    throw new DomainError('WORKSPACE_INVALID', `workspace "${requested}" overlaps the source session's workspace; a copy needs a directory of its own`);
  }
}
