import path from 'node:path';

/**
 * Whether `child` lies below `parent`, or is `parent` itself unless `strictly` is set. Decided
 * on the text of the paths alone: both are made absolute (a relative path against the current
 * directory) and normalised (`..`, `.`, repeated and trailing slashes), so `/a/b/` equals `/a/b`
 * and `/a/bc` is not inside `/a/b`; nothing on disk is looked at. Symlinks are the sandbox's
 * business: the server resolves nothing in a tree a tenant can write (see
 * src/workspaces/host-boundary.ts). A child named `..cache` is inside; `..` is not.
 */
export function isInside(child: string, parent: string, options: { strictly?: boolean } = {}): boolean {
  const relative = path.relative(path.resolve(parent), path.resolve(child));
  if (relative === '') return options.strictly !== true;
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}
