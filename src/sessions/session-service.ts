import { DomainError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../storage/store.js';
import { externalId, internalId, type Tenant } from '../tenancy/tenant.js';
import type { WorkspaceChecks } from '../workspaces/workspace-checks.js';
import { newSession, type Session } from './session-types.js';
import type { SessionRequest } from '../../packages/client/src/types.js';

export type { SessionRequest } from '../../packages/client/src/types.js';

/** Where a new task will run: an existing session to reuse, or a new one to create with it. */
export interface SessionPlacement {
  session: Session;
  isNew: boolean;
}

export class SessionService {
  constructor(
    private readonly store: Store,
    /** Whether the tenant's agent can work in a directory (each throws a WORKSPACE_* DomainError if not). */
    private readonly workspaces: Pick<WorkspaceChecks, 'resolve'>,
    private readonly logger: Logger,
    private readonly now: () => Date,
  ) {}

  /**
   * Decides which session a task joins (see docs/api.md, "Sessions"). Only the workspace directory is
   * created here; the caller stores the task and, for a new session, the session.
   */
  async place(tenant: Tenant, taskId: string, request: SessionRequest | undefined, workspace: string | undefined): Promise<SessionPlacement> {
    // Resolving a workspace checks it too (in the tenant's sandbox): each is looked at once.
    const checked = new Set<string>();
    const resolve = async (requested: string): Promise<string> => {
      const dir = await this.workspaces.resolve(tenant.id, taskId, requested);
      checked.add(dir);
      return dir;
    };
    const placement = await this.placeUnchecked(tenant, taskId, request, workspace, resolve);
    // Checked for reused sessions too: their folder may have been removed or replaced since.
    if (!checked.has(placement.session.workspace)) await resolve(placement.session.workspace);
    return placement;
  }

  private async placeUnchecked(
    tenant: Tenant,
    taskId: string,
    request: SessionRequest | undefined,
    workspace: string | undefined,
    resolve: (requested: string) => Promise<string>,
  ): Promise<SessionPlacement> {
    const requestedWorkspace = workspace === undefined ? undefined : await resolve(workspace);

    if (request?.reuse_existing && request.session_id) {
      const session = await this.store.getSession(internalId(tenant.id, request.session_id));
      if (!session) throw new DomainError('SESSION_NOT_FOUND', `Session ${request.session_id} not found`);
      this.assertSameWorkspace(session, requestedWorkspace);
      return { session, isNew: false };
    }
    if (request?.reuse_existing && requestedWorkspace !== undefined) {
      const candidates = (await this.store.listSessions())
        .filter((s) => s.tenant_id === tenant.id && s.workspace === requestedWorkspace && s.status === 'idle')
        .sort((a, b) => (a.last_activity_at < b.last_activity_at ? 1 : -1));
      if (candidates[0]) return { session: candidates[0], isNew: false };
    }

    const name = request?.session_id ?? `session-${externalId(taskId)}`;
    const sessionId = internalId(tenant.id, name);
    if (await this.store.getSession(sessionId)) {
      throw new DomainError('SESSION_ALREADY_EXISTS', `Session ${name} already exists; send "reuse_existing": true to run in it`);
    }
    const now = this.now().toISOString();
    return {
      isNew: true,
      session: newSession({ session_id: sessionId, tenant_id: tenant.id, workspace: requestedWorkspace ?? (await resolve(name)), sdk_session_id: null, now }),
    };
  }

  /** Stores a new session; if another submission created the same id first, that one wins. */
  async create(session: Session): Promise<Session> {
    const { inserted, session: stored } = await this.store.insertSession(session);
    if (!inserted) this.assertSameWorkspace(stored, session.workspace);
    else this.logger.info('Session created', { session_id: session.session_id, workspace: session.workspace });
    return stored;
  }

  async markBusy(sessionId: string, taskId: string): Promise<Session | null> {
    const session = await this.store.getSession(sessionId);
    if (!session) return null;
    return this.store.updateSession(sessionId, {
      status: 'busy',
      current_task_id: taskId,
      task_count: session.task_count + 1,
      last_activity_at: this.now().toISOString(),
    });
  }

  async markIdle(sessionId: string, cost?: { taskCostUsd: number; sdkTotalCostUsd: number }): Promise<void> {
    const session = await this.store.getSession(sessionId);
    if (!session) return;
    await this.store.updateSession(sessionId, {
      status: 'idle',
      current_task_id: null,
      last_activity_at: this.now().toISOString(),
      ...(cost ? { cost_usd: session.cost_usd + cost.taskCostUsd, sdk_cost_total_usd: cost.sdkTotalCostUsd } : {}),
    });
  }

  async recordSdkSession(sessionId: string, sdkSessionId: string): Promise<void> {
    await this.store.updateSession(sessionId, { sdk_session_id: sdkSessionId });
  }

  /** A task for an expired session brings it back: its conversation is still on disk. */
  async reopenIfExpired(session: Session): Promise<void> {
    if (session.status === 'expired') {
      await this.store.updateSession(session.session_id, { status: 'idle', last_activity_at: this.now().toISOString() });
      this.logger.info('Session reopened', { session_id: session.session_id });
    }
  }

  /** A tenant's session by the id the client knows; another tenant's answers exactly like a missing one. */
  async get(tenant: Tenant, sessionId: string): Promise<Session> {
    const session = await this.store.getSession(internalId(tenant.id, sessionId));
    if (!session || session.tenant_id !== tenant.id) throw new DomainError('SESSION_NOT_FOUND', `Session ${sessionId} not found`);
    return session;
  }

  /** Marks idle sessions past the idle timeout as expired. `isWaited` tells whether a queued task still needs one. */
  async expireIdle(idleTimeoutMs: number, isWaited: (sessionId: string) => boolean | Promise<boolean>): Promise<string[]> {
    const cutoff = this.now().getTime() - idleTimeoutMs;
    const expired: string[] = [];
    for (const session of await this.store.listSessions()) {
      if (session.status !== 'idle' || Date.parse(session.last_activity_at) > cutoff || (await isWaited(session.session_id))) continue;
      await this.store.updateSession(session.session_id, { status: 'expired' });
      expired.push(session.session_id);
      this.logger.info('Session expired', {
        session_id: session.session_id,
        idle_seconds: Math.round((this.now().getTime() - Date.parse(session.last_activity_at)) / 1000),
      });
    }
    return expired;
  }

  private assertSameWorkspace(session: Session, workspace: string | undefined): void {
    if (workspace !== undefined && workspace !== session.workspace) {
      throw new DomainError('SESSION_WORKSPACE_MISMATCH', `Session ${externalId(session.session_id)} runs in a different workspace`);
    }
  }
}
