import { lstat, mkdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ApiError } from '../errors.js';

/**
 * Maps a client's `workspace` onto a real directory inside the root. The check is done on real
 * paths (symlinks resolved) and before anything is created, so neither `..`, an absolute path
 * elsewhere, nor a symlink pointing out can make us create or use a directory outside the root.
 */
export class WorkspaceResolver {
  private constructor(private readonly realRoot: string) {}

  static async create(root: string): Promise<WorkspaceResolver> {
    await mkdir(root, { recursive: true });
    return new WorkspaceResolver(await realpath(root));
  }

  get root(): string {
    return this.realRoot;
  }

  async resolve(requested: string): Promise<string> {
    if (requested.includes('\0')) throw new ApiError('WORKSPACE_INVALID', 'workspace must not contain NUL bytes');
    const target = path.resolve(this.realRoot, requested);
    this.assertInside(target, requested);

    const existing = await this.deepestExistingAncestor(target);
    let realExisting: string;
    try {
      realExisting = await realpath(existing);
    } catch {
      throw new ApiError('WORKSPACE_INVALID', 'workspace goes through a broken symlink');
    }
    this.assertInside(realExisting, requested);

    const rest = path.relative(existing, target);
    const candidate = rest === '' ? realExisting : path.join(realExisting, rest);
    try {
      await mkdir(candidate, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTDIR') throw new ApiError('WORKSPACE_NOT_A_DIRECTORY', 'workspace exists but is not a directory');
      throw new ApiError('WORKSPACE_INVALID', `workspace cannot be created: ${code ?? 'error'}`);
    }
    // A symlink could have appeared between the check and mkdir; check the final answer again.
    const finalPath = await realpath(candidate);
    this.assertInside(finalPath, requested);
    if (!(await stat(finalPath)).isDirectory()) throw new ApiError('WORKSPACE_NOT_A_DIRECTORY', 'workspace exists but is not a directory');
    return finalPath;
  }

  private assertInside(candidate: string, requested: string): void {
    const relative = path.relative(this.realRoot, candidate);
    if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))) return;
    throw new ApiError('WORKSPACE_OUTSIDE_ROOT', `workspace "${requested}" resolves outside WORKSPACE_ROOT`);
  }

  private async deepestExistingAncestor(target: string): Promise<string> {
    let current = target;
    for (;;) {
      try {
        // lstat, so a dangling symlink counts as existing and is then resolved (and refused).
        await lstat(current);
        return current;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOTDIR') throw new ApiError('WORKSPACE_NOT_A_DIRECTORY', 'workspace path goes through a file');
        if (code !== 'ENOENT') throw new ApiError('WORKSPACE_INVALID', `workspace cannot be used: ${code ?? 'error'}`);
      }
      const parent = path.dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}
