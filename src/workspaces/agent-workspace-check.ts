import type { AgentSandbox } from '../agent/isolation/agent-sandbox.js';
import { prepareWorkspace } from './workspace-preparation.js';

/**
 * The check a stored workspace gets before a task starts in it: the same as at submit (created
 * again if it was removed, handed to the tenant's uid, usable by the agent's user), as the
 * tenant in its sandbox. Throws a WORKSPACE_* ApiError.
 */
export function agentWorkspaceCheck(sandbox: AgentSandbox): (dir: string, tenantId: string) => Promise<void> {
  return async (dir, tenantId) => {
    await prepareWorkspace(sandbox, sandbox.identityFor(tenantId), dir);
  };
}
