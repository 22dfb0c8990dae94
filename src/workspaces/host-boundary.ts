/**
 * Every place where the server itself still touches a path a tenant can write. Audit this file.
 *
 * The rule: the server process never opens, walks, reads, chowns or runs git on a
 * tenant-writable tree with its own identity. Work on a workspace (creating and checking it,
 * handing it to the tenant's uid, change tracking, diffs) runs as the tenant in the tenant's
 * sandbox (src/agent/isolation/sandbox-command.ts) and only its output crosses back, over a
 * pipe. Then a symlink swapped in mid-walk, a planted git hook or filter, a FIFO or a hard
 * link can do no more than the tenant could do itself.
 *
 * What remains here cannot run in a sandbox, because it builds the sandboxes' own trees. Each
 * step opens the one directory it changes with O_DIRECTORY | O_NOFOLLOW and changes it through
 * the descriptor (fchown, fchmod), so a symlink planted at that name makes it fail instead of
 * leading it elsewhere; the parent directories it goes through belong to the operator or to
 * the server, never to a tenant. Why each is safe is said at each function.
 */
import { closeSync, constants, fchmodSync, fchownSync, fstatSync, openSync, readdirSync } from 'node:fs';
import { lstat, mkdir, open, readlink, rm, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export interface Owner {
  uid: number;
  gid: number;
}

const DIRECTORY_NO_FOLLOW = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** Opens a directory itself, never what a symlink at its name points to (ELOOP then). */
function openDirectory(dir: string): Promise<FileHandle> {
  return open(dir, DIRECTORY_NO_FOLLOW);
}

async function mkdirIfMissing(dir: string, mode: number): Promise<void> {
  try {
    await mkdir(dir, { mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/**
 * Creates (or takes back) a tenant's root, WORKSPACE_ROOT/<name>, for `owner` with mode 0700,
 * at start-up. `name` is one path component (the keys file allows nothing else) and its parent,
 * WORKSPACE_ROOT, is the operator's; a tenant could only write it as the default tenant of an
 * earlier single-tenant run, and no sandbox runs yet. A symlink planted at `name` by that
 * tenant, to send root's chown elsewhere, is removed (unlink removes the link, not its target)
 * and a real directory made in its place; everything is then done on the opened directory.
 * Returns the symlink's target when one was found, for the log.
 */
export async function ensureTenantRoot(workspaceRoot: string, name: string, owner: Owner | null): Promise<{ removedSymlinkTo: string | null }> {
  const dir = path.join(workspaceRoot, name);
  if (name === '' || name.includes('/') || name === '.' || name === '..') throw new Error(`a tenant root must be one directory name, not "${name}"`);
  let removedSymlinkTo: string | null = null;
  await mkdirIfMissing(dir, 0o700);
  let handle: FileHandle;
  try {
    handle = await openDirectory(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTDIR' && code !== 'ELOOP') throw error;
    // With O_DIRECTORY a symlink fails as ENOTDIR too; lstat tells it from a file (and follows nothing).
    if (!(await lstat(dir)).isSymbolicLink()) throw new Error(`${dir} must be the tenant's directory, but it is a file: move it away`);
    removedSymlinkTo = await readlink(dir).catch(() => '?');
    await unlink(dir);
    await mkdir(dir, { mode: 0o700 });
    handle = await openDirectory(dir);
  }
  try {
    if (owner) await handle.chown(owner.uid, owner.gid);
    await handle.chmod(0o700);
  } finally {
    await handle.close();
  }
  return { removedSymlinkTo };
}

/**
 * WORKSPACE_ROOT itself: created if missing, given to `owner` when it is one tenant's tree (the
 * default tenant without a keys file), or taken back by the server from a tenant uid that owned
 * it in an earlier single-tenant run (`reclaimFrom`), so no tenant can plant anything there. Its
 * path is the operator's setting and its parent the operator's: it is opened following symlinks
 * in that path, and changed through the descriptor.
 */
export async function ensureWorkspaceRoot(workspaceRoot: string, owner: Owner | null, reclaimFrom: readonly number[]): Promise<void> {
  await mkdir(workspaceRoot, { recursive: true });
  const handle = await open(workspaceRoot, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    if (owner) {
      await handle.chown(owner.uid, owner.gid);
      await handle.chmod(0o700);
    } else if (reclaimFrom.includes((await handle.stat()).uid)) {
      await handle.chown(process.getuid?.() ?? 0, process.getgid?.() ?? 0);
      await handle.chmod(0o711);
    }
  } finally {
    await handle.close();
  }
}

/**
 * A new private directory (a process's HOME, its config dir, a shadow repository) for `owner`,
 * mode 0700. Its parent is a directory of the server's (homes, 0711; the shadows' root, 0700) or
 * a home made just before by this function: no tenant can have put anything at that path yet.
 * Fails with EEXIST when something is already there; it is never adopted.
 */
export async function createPrivateDirectory(dir: string, owner: Owner | null): Promise<void> {
  await mkdir(dir, { mode: 0o700 });
  const handle = await openDirectory(dir);
  try {
    await handle.chmod(0o700);
    if (owner) await handle.chown(owner.uid, owner.gid);
  } finally {
    await handle.close();
  }
}

/**
 * Gives `owner` a tree the server made a moment ago and no tenant has seen: the config dir the
 * SDK fills from the transcript store to resume a session (root's temporary directory, 0700).
 * It is bound into the tenant's sandbox only after this (synchronously: the launch waits for it). Each entry is opened without following
 * symlinks (and without blocking on a FIFO) and changed through its descriptor; anything but a
 * directory or a regular file is left alone.
 */
export function handOverFreshTreeSync(dir: string, owner: Owner): void {
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return;
  }
  let isDirectory = false;
  try {
    const stats = fstatSync(fd);
    if (!stats.isDirectory() && !stats.isFile()) return;
    isDirectory = stats.isDirectory();
    fchownSync(fd, owner.uid, owner.gid);
    if (isDirectory) fchmodSync(fd, 0o700);
  } finally {
    closeSync(fd);
  }
  if (!isDirectory) return;
  for (const entry of readdirSync(dir)) handOverFreshTreeSync(path.join(dir, entry), owner);
}

/**
 * Removes a process's home or a shadow repository once its contents were deleted inside a
 * sandbox (process-homes.ts, changes/shadow-repos.ts): rmdir removes one empty directory and
 * follows no symlink, and the parent is a directory of the server's, which no tenant can write.
 */
export async function removeEmptiedDirectory(dir: string): Promise<void> {
  await rmdir(dir);
}

/**
 * Clears the homes a crashed server left behind, at start-up, before any sandbox of this server
 * starts. The instance slot (InstanceSlot) guarantees the server that used this directory is
 * gone, and its sandboxes died with it (bwrap --die-with-parent kills each sandbox's PID
 * namespace), so nothing can change these trees while they are removed.
 */
export async function clearHomesOfDeadServer(homesDir: string): Promise<void> {
  await rm(homesDir, { recursive: true, force: true });
  await mkdir(homesDir, { recursive: true, mode: 0o711 });
}
