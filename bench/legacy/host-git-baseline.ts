/**
 * The host-side git change tracking the server used before it moved into the tenant's sandbox,
 * kept here ONLY to compare speeds in bench/change-tracking.ts. It is unsafe by design: it runs
 * git as the server inside the tenant's own repository, reading its .git/config (filters,
 * hooks, core.worktree). Never import it from src/.
 */
import { execFile } from 'node:child_process';
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { byPath, capDiff, DIFF_LIMITS, type ChangeBaseline, type ChangedFile, type ChangeKind, type ChangeReport } from '../../src/changes/change-types.js';

const run = promisify(execFile);

// Never let the user's configuration run programs (external diff, textconv) or block on locks,
// and accept workspaces owned by the agent's user.
const GIT_FLAGS = ['-c', 'safe.directory=*', '-c', 'core.quotepath=off', '-c', 'diff.external=', '-c', 'core.fsmonitor=false'];

async function git(cwd: string, args: string[], indexFile?: string): Promise<string> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', GIT_OPTIONAL_LOCKS: '0', GIT_CONFIG_NOSYSTEM: '1', LANG: 'C' };
  if (indexFile !== undefined) env.GIT_INDEX_FILE = indexFile;
  const { stdout } = await run('git', [...GIT_FLAGS, ...args], { cwd, env, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
}

/** The workspace's repository, or null when it is not inside one (or git is missing). */
export async function findRepository(workspace: string): Promise<{ top: string } | null> {
  try {
    const top = (await git(workspace, ['rev-parse', '--show-toplevel'])).trim();
    return top === '' ? null : { top };
  } catch {
    return null;
  }
}

/**
 * The workspace as a git tree, written through a private index file: the user's index, HEAD and
 * branches are untouched, and nothing is committed (the blobs land in the object store, where
 * `git gc` reclaims them). Paths honour .gitignore, as the user's own `git status` would.
 */
async function snapshotTree(workspace: string, indexFile: string): Promise<string> {
  await git(workspace, ['add', '--all', '--', '.'], indexFile);
  return (await git(workspace, ['write-tree'], indexFile)).trim();
}

export async function gitBaseline(workspace: string, indexFile: string): Promise<ChangeBaseline> {
  // Starting from the user's index lets `git add` skip every file whose stat is unchanged.
  const userIndex = path.resolve(workspace, (await git(workspace, ['rev-parse', '--git-path', 'index'])).trim());
  await copyFile(userIndex, indexFile).catch(() => undefined);
  const before = await snapshotTree(workspace, indexFile);
  const discard = (): Promise<void> => rm(indexFile, { force: true });
  return {
    discard,
    finish: async (): Promise<ChangeReport> => {
      try {
        const after = await snapshotTree(workspace, indexFile);
        if (after === before) return { files: [], diff: '' };
        return await compareTrees(workspace, before, after);
      } finally {
        await discard();
      }
    },
  };
}

const KINDS: Record<string, ChangeKind> = { A: 'created', M: 'modified', D: 'deleted', T: 'modified' };

async function compareTrees(workspace: string, before: string, after: string): Promise<ChangeReport> {
  const common = ['diff', '--no-renames', '--relative', '--no-ext-diff', '--no-textconv'];
  const statuses = (await git(workspace, [...common, '--name-status', '-z', before, after])).split('\0');
  const counts = (await git(workspace, [...common, '--numstat', '-z', before, after])).split('\0');
  const lines = new Map<string, { additions: number | null; deletions: number | null }>();
  for (const entry of counts) {
    const match = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(entry);
    if (match) lines.set(match[3]!, { additions: match[1] === '-' ? null : Number(match[1]), deletions: match[2] === '-' ? null : Number(match[2]) });
  }
  const files: ChangedFile[] = [];
  for (let i = 0; i + 1 < statuses.length; i += 2) {
    const filePath = statuses[i + 1]!;
    const count = lines.get(filePath) ?? { additions: null, deletions: null };
    files.push({ path: filePath, change: KINDS[statuses[i]!.charAt(0)] ?? 'modified', ...count, binary: count.additions === null });
  }
  files.sort(byPath);
  // Huge changes are listed above but left out of the diff.
  const excluded = files
    .filter((f) => !f.binary && (f.additions ?? 0) + (f.deletions ?? 0) > DIFF_LIMITS.maxChangedLines)
    .map((f) => `:(exclude,literal)${f.path}`);
  for (const file of files) {
    if (excluded.includes(`:(exclude,literal)${file.path}`)) Object.assign(file, { additions: null, deletions: null });
  }
  const diff = await git(workspace, [...common, '--no-color', before, after, '--', '.', ...excluded]);
  return { files, diff: capDiff(diff) };
}
