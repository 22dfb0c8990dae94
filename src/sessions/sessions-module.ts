import type { Logger } from '../observability/logger.js';
import type { Module } from '../server/module.js';
import type { Store } from '../storage/store.js';
import type { WorkspaceChecks } from '../workspaces/workspace-checks.js';
import { SessionService } from './session-service.js';
import { TranscriptGuard } from './transcript-guard.js';

export interface SessionsApi {
  service: SessionService;
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
}): Module<SessionsApi> {
  const { store } = deps;
  return {
    api: {
      service: new SessionService(store, deps.workspaces, deps.logger.child('sessions'), deps.now),
      transcripts: new TranscriptGuard(deps.closeLiveProcess),
      activeCount: async () => (await store.listSessions()).filter((s) => s.status !== 'expired').length,
    },
  };
}
