import type { AgentSandbox } from '../agent/isolation/agent-sandbox.js';
import type { RecentWorkspaceChecks } from './recent-checks.js';
import { prepareWorkspace } from './workspace-preparation.js';

/**
 * The check a stored workspace gets before a task starts in it: the same as at submit (created
 * again if it was removed, handed to the tenant's uid, usable by the agent's user), as the
 * tenant in its sandbox, unless it passed at submit moments ago. Throws a WORKSPACE_* ApiError.
 */
export function agentWorkspaceCheck(sandbox: AgentSandbox, recent: RecentWorkspaceChecks): (dir: string, tenantId: string) => Promise<void> {
  return async (dir, tenantId) => {
    if (recent.fresh(tenantId, dir)) return;
    await prepareWorkspace(sandbox, sandbox.identityFor(tenantId), dir);
  };
}
