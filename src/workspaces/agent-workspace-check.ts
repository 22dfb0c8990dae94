import type { AgentSandbox } from '../agent/isolation/agent-sandbox.js';
import { checkWorkspaceAccess } from './workspace-access.js';

/**
 * The workspace check for the user the agent really runs as. Without a per-tenant uid that is
 * the server's own user. With one (AGENT_ISOLATION as root), the sandbox hands the tenant's uid
 * its workspace before every launch; that is done here already, so the check then answers for
 * that uid, and only below the tenant's subtree (bubblewrap builds the parents above it).
 */
export function agentWorkspaceCheck(sandbox: AgentSandbox): (dir: string, tenantId: string) => Promise<void> {
  return async (dir, tenantId) => {
    // As the server: it exists (or is created) and is a directory.
    await checkWorkspaceAccess(dir);
    const identity = sandbox.identityFor(tenantId);
    const user = identity.user;
    if (user?.kind !== 'uid') return;
    await sandbox.prepareWorkspace(identity, dir);
    await checkWorkspaceAccess(dir, { uid: user.uid, gid: user.gid }, identity.workspaceRoot);
  };
}
