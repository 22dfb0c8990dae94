import type { AgentSandbox, SandboxIdentity } from '../agent/isolation/agent-sandbox.js';
import { prepareWorkspace } from './workspace-preparation.js';

/**
 * Maps a client's `workspace` onto a directory in the tenant's subtree. The server only checks
 * the text (NUL bytes, `..`, absolute paths elsewhere, other tenants' subtrees); creating the
 * directory, resolving its symlinks and checking it happen as the tenant in its sandbox, where
 * no symlink leads out of the tenant's tree (see workspace-preparation.ts).
 */
export class WorkspaceResolver {
  constructor(
    private readonly sandbox: AgentSandbox,
    private readonly identity: SandboxIdentity,
  ) {}

  get root(): string {
    return this.identity.workspaceRoot;
  }

  /** The workspace's real path, created if missing; throws a WORKSPACE_* ApiError if unusable. */
  resolve(requested: string): Promise<string> {
    return prepareWorkspace(this.sandbox, this.identity, requested);
  }
}
