import { chown, mkdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../errors.js';

/** The user an agent process runs as; the workspace must work for it, not for the server. */
export interface AgentIdentity {
  uid: number;
  gid: number;
  /** Supplementary groups. */
  groups?: readonly number[];
}

/** This process's own identity: agents run as the server's user unless told otherwise. */
export function serverIdentity(): AgentIdentity {
  return {
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
    groups: process.getgroups?.() ?? [],
  };
}

const READ = 4;
const WRITE = 2;
const SEARCH = 1;

/** The permission bits (rwx) that apply to `who` for a file, as the kernel picks them. */
function bitsFor(stats: Stats, who: AgentIdentity): number {
  if (stats.uid === who.uid) return (stats.mode >> 6) & 7;
  if (stats.gid === who.gid || (who.groups ?? []).includes(stats.gid)) return (stats.mode >> 3) & 7;
  return stats.mode & 7;
}

function errnoOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'error';
}

/**
 * Checks that `dir` is what the agent needs before it is started there: it exists (or is
 * created), is a directory, and the agent's user can read, write and enter it and reach it
 * through every parent. Decided from ownership and mode bits (not access(2), which answers for
 * the server's user), so it holds when agents run under another uid. Root passes every mode
 * check, as the kernel lets it. Throws an ApiError whose code says what is wrong.
 */
export async function checkWorkspaceAccess(
  dir: string,
  who: AgentIdentity = serverIdentity(),
  /** Where the agent's view of the filesystem starts (a sandbox builds the parents above it): parents above are not checked. */
  reachableFrom?: string,
): Promise<void> {
  let stats: Stats;
  try {
    stats = await stat(dir);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOTDIR') throw new ApiError('WORKSPACE_NOT_A_DIRECTORY', `workspace ${dir} goes through a file`);
    if (code !== 'ENOENT') throw new ApiError('WORKSPACE_NOT_READABLE', `workspace ${dir} cannot be examined (${code})`);
    stats = await createFor(dir, who);
  }
  if (!stats.isDirectory()) throw new ApiError('WORKSPACE_NOT_A_DIRECTORY', `workspace ${dir} exists but is not a directory`);
  if (who.uid === 0) return;

  for (let parent = path.dirname(dir); ; parent = path.dirname(parent)) {
    if (reachableFrom !== undefined && parent !== reachableFrom && !parent.startsWith(reachableFrom + path.sep)) break;
    const parentStats = await stat(parent);
    if ((bitsFor(parentStats, who) & SEARCH) === 0) {
      throw new ApiError('WORKSPACE_NOT_READABLE', `workspace ${dir} cannot be reached by uid ${who.uid}: no search permission on ${parent}`);
    }
    if (parent === path.dirname(parent)) break;
  }
  const bits = bitsFor(stats, who);
  if ((bits & (READ | SEARCH)) !== (READ | SEARCH)) {
    throw new ApiError('WORKSPACE_NOT_READABLE', `workspace ${dir} is not readable by uid ${who.uid} (mode ${(stats.mode & 0o777).toString(8)}, owner ${stats.uid}:${stats.gid})`);
  }
  if ((bits & WRITE) === 0) {
    throw new ApiError('WORKSPACE_NOT_WRITABLE', `workspace ${dir} is not writable by uid ${who.uid} (mode ${(stats.mode & 0o777).toString(8)}, owner ${stats.uid}:${stats.gid})`);
  }
}

/** Creates a missing workspace; when the server is root and the agent is not, hands it over. */
async function createFor(dir: string, who: AgentIdentity): Promise<Stats> {
  try {
    await mkdir(dir, { recursive: true });
    if (process.getuid?.() === 0 && who.uid !== 0) await chown(dir, who.uid, who.gid);
    return await stat(dir);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOTDIR' || code === 'EEXIST') throw new ApiError('WORKSPACE_NOT_A_DIRECTORY', `workspace ${dir} goes through a file`);
    throw new ApiError('WORKSPACE_NOT_WRITABLE', `workspace ${dir} does not exist and cannot be created (${code})`);
  }
}
