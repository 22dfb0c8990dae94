import type { AgentSandbox } from '../agent/isolation/agent-sandbox.js';
import { forkConversation } from '../agent/conversation-fork.js';
import type { Logger } from '../observability/logger.js';
import type { Module } from '../server/module.js';
import type { Store } from '../storage/store.js';
import type { TranscriptStore } from '../storage/transcript-store.js';
import { copyWorkspace } from '../workspaces/workspace-copy.js';
import { prepareWorkspace } from '../workspaces/workspace-preparation.js';
import type { WorkspaceChecks } from '../workspaces/workspace-checks.js';
import { SessionForks } from './session-forks.js';
import { SessionService } from './session-service.js';
import { TranscriptGuard } from './transcript-guard.js';

export interface SessionsApi {
  service: SessionService;
  forks: SessionForks;
  transcripts: TranscriptGuard;
  /** Sessions that are open (idle or busy, not expired), as /health and the metrics count them. */
  activeCount(): Promise<number>;
}

export function createSessionsModule(deps: {
  store: Store;
  workspaces: WorkspaceChecks;
  logger: Logger;
  now: () => Date;
  closeLiveProcess: (sessionId: string) => void;
  sandbox: AgentSandbox;
  conversations: TranscriptStore;
}): Module<SessionsApi> {
  const { store, sandbox } = deps;
  const logger = deps.logger.child('sessions');
  const service = new SessionService(store, deps.workspaces, logger, deps.now);
  return {
    api: {
      service,
      forks: new SessionForks({
        store,
        sessions: service,
        copyWorkspace: (tenantId, source, requested) => copyWorkspace(sandbox, tenantId, source, requested),
        resolveWorkspace: (tenantId, requested) => prepareWorkspace(sandbox, sandbox.identityFor(tenantId), requested),
        forkConversation: (point, cwd) => forkConversation(deps.conversations, point, cwd),
        logger,
        now: deps.now,
      }),
      transcripts: new TranscriptGuard(deps.closeLiveProcess),
      activeCount: async () => (await store.listSessions()).filter((s) => s.status !== 'expired').length,
    },
  };
}
