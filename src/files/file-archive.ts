import { PassThrough, type Readable } from 'node:stream';
import type { AgentSandbox, SandboxIdentity } from '../agent/isolation/agent-sandbox.js';
import { fileError } from './file-errors.js';
import { ARCHIVE_SCRIPT } from './file-scripts.js';
import { firstLine } from './stream-lines.js';

const ARCHIVE_TIMEOUT_MS = 60 * 60 * 1000;
/** Left out of a tar.gz archive unless the request's `exclude` says otherwise. */
export const DEFAULT_EXCLUDES: readonly string[] = ['.git', 'node_modules'];

/**
 * A workspace as a gzipped tar, produced by tar in the tenant's sandbox and streamed as it is
 * made. Symlinks are stored as links (never followed), so a link to a host file carries only
 * its target's name. `excludes` are tar patterns matched against every name in the tree.
 */
export async function archiveWorkspace(
  sandbox: AgentSandbox,
  identity: SandboxIdentity,
  workspace: string,
  excludes: readonly string[],
): Promise<{ body: Readable; cancel: () => void }> {
  const tar = sandbox.stream(identity, {
    command: 'bash',
    args: ['-c', ARCHIVE_SCRIPT, 'archive-workspace', workspace, ...excludes.map((pattern) => `--exclude=${pattern}`)],
    cwd: '/',
    timeoutMs: ARCHIVE_TIMEOUT_MS,
  });
  tar.stdin.end();
  const answer = await firstLine(tar.stdout);
  if (answer !== 'ARCHIVE') {
    tar.kill();
    throw fileError(answer, '.', (await tar.exited).stderr);
  }
  // A tar that fails halfway must not look like a whole archive: the answer is cut off instead
  // of ended. tar exits 1 when a file changed while it was read: the archive is still whole.
  const body = new PassThrough();
  tar.stdout.pipe(body, { end: false });
  tar.stdout.once('end', () => {
    void tar.exited.then((exit) => (exit.code === 0 || exit.code === 1 ? body.end() : body.destroy(new Error(`tar failed: ${exit.stderr.slice(0, 300)}`))));
  });
  body.once('close', tar.kill);
  return { body, cancel: tar.kill };
}
