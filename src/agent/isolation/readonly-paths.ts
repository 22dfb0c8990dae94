import { existsSync } from 'node:fs';
import path from 'node:path';
import { isInside } from '../../lib/paths.js';

/**
 * AGENT_READONLY_PATHS: absolute directories that exist, and that neither hold nor lie in the
 * server's data or the workspaces (a sandbox must never see DATA_DIR or another tenant's tree).
 */
export function readOnlyPaths(entries: readonly string[], guarded: readonly string[], problems: string[]): string[] {
  const paths: string[] = [];
  for (const entry of entries) {
    if (!path.isAbsolute(entry)) problems.push(`AGENT_READONLY_PATHS: ${entry} is not an absolute path`);
    else if (guarded.some((dir) => isInside(dir, entry) || isInside(entry, dir))) {
      problems.push(`AGENT_READONLY_PATHS: ${entry} holds or lies inside DATA_DIR or WORKSPACE_ROOT`);
    } else if (!existsSync(entry)) problems.push(`AGENT_READONLY_PATHS: ${entry} does not exist`);
    else paths.push(path.resolve(entry));
  }
  return paths;
}
