import path from 'node:path';

/**
 * Which server workspace an editor's session works in. The agent runs on the server, in a
 * directory under its WORKSPACE_ROOT; the editor's cwd is a path on the editor's machine. First
 * wins: `_meta.workspace` of session/new, `CCS_WORKSPACE`, else the last component of the cwd
 * (`/home/me/src/shop` → `shop`). The server resolves the name and refuses one outside its
 * WORKSPACE_ROOT (WORKSPACE_OUTSIDE_ROOT), which the editor sees as the first prompt's error.
 */
export function workspaceFor(cwd: string, meta: Record<string, unknown> | null | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const explicit = meta?.workspace;
  if (typeof explicit === 'string' && explicit !== '') return explicit;
  if (env.CCS_WORKSPACE) return env.CCS_WORKSPACE;
  // The server's default (WORKSPACE_ROOT/<session id>) is used when the cwd names nothing usable.
  const base = path.basename(cwd).replace(/[^A-Za-z0-9._-]/g, '_');
  return base === '' || base === '.' || base === '..' ? undefined : base;
}

/** Tools whose every call the editor approves: `_meta.requireApproval`, else CCS_ACP_REQUIRE_APPROVAL (comma-separated), else Bash. */
export function approvalToolsFor(meta: Record<string, unknown> | null | undefined, env: NodeJS.ProcessEnv): string[] {
  const explicit = meta?.requireApproval;
  if (Array.isArray(explicit)) return explicit.filter((t): t is string => typeof t === 'string');
  const fromEnv = env.CCS_ACP_REQUIRE_APPROVAL;
  if (fromEnv !== undefined) {
    return fromEnv
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  }
  return ['Bash'];
}
