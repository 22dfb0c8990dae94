import path from 'node:path';

/**
 * Whether `child` is `parent` or lies below it, decided on the text of the paths alone: both are
 * made absolute and normalised (`..`, `.`, repeated and trailing slashes), nothing on disk is
 * looked at. Symlinks are the sandbox's business: the server resolves nothing in a tree a tenant
 * can write (see src/workspaces/host-boundary.ts). A child named `..cache` is inside; `..` is not.
 */
export function isInside(child: string, parent: string): boolean {
  const relative = path.relative(path.resolve(parent), path.resolve(child));
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
