import { randomBytes } from 'node:crypto';
import type { ConversationPoint } from '../agent/conversation-fork.js';
import { DomainError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../storage/store.js';
import { isTerminal, type Task } from '../tasks/task-types.js';
import { externalId, internalId, type Tenant } from '../tenancy/tenant.js';
import type { SessionService } from './session-service.js';
import { newSession, type Session } from './session-types.js';
import type { ForkSessionRequest } from '../../packages/client/src/types.js';

/** How long a fork waits for its session's latest task to be recorded as finished (see finishedTask). */
const FINISH_WAIT = { attempts: 50, delayMs: 100 };

export interface SessionForksDeps {
  store: Store;
  sessions: SessionService;
  /** Copies `source` into a new, empty workspace `requested` (as the tenant, in its sandbox); resolves with its real path. */
  copyWorkspace(tenantId: string, source: string, requested: string): Promise<string>;
  /** Creates (if missing) and checks a workspace as any task's; resolves with its real path. */
  resolveWorkspace(tenantId: string, requested: string): Promise<string>;
  /** A new conversation continuing `point`'s, for a session working in `cwd`; resolves with its id. */
  forkConversation(point: ConversationPoint, cwd: string): Promise<string>;
  logger: Logger;
  now: () => Date;
}

/**
 * Forked sessions: a new session whose conversation is its source's as of the end of one
 * finished task, in a copy of the source's workspace or in a shared one. The source session,
 * its conversation and its workspace are only read. Everything a fork needs is in the store and
 * the transcript store, so any instance can fork a session whose tasks ran on another.
 */
export class SessionForks {
  constructor(private readonly deps: SessionForksDeps) {}

  async fork(tenant: Tenant, sourceId: string, request: ForkSessionRequest): Promise<Session> {
    const { store, logger } = this.deps;
    const source = await this.deps.sessions.get(tenant, sourceId);
    const at = await this.forkPointTask(tenant, source, request.at_task_id);
    const point = at.fork_point!;
    const name = request.session_id ?? forkName(sourceId);
    const sessionId = internalId(tenant.id, name);
    if (await store.getSession(sessionId)) throw new DomainError('SESSION_ALREADY_EXISTS', `Session ${name} already exists`);

    const workspace = await this.workspaceFor(tenant, source, name, request);
    const sdkSessionId = await this.deps.forkConversation(
      { sdkSessionId: point.sdk_session_id, messageUuid: point.message_uuid, cwd: at.workspace },
      workspace,
    );
    const now = this.deps.now().toISOString();
    const { inserted } = await store.insertSession({
      ...newSession({ session_id: sessionId, tenant_id: tenant.id, workspace, sdk_session_id: sdkSessionId, now }),
      forked_from: { session_id: source.session_id, task_id: at.task_id },
    });
    if (!inserted) throw new DomainError('SESSION_ALREADY_EXISTS', `Session ${name} already exists`);
    logger.info('Session forked', { session_id: sessionId, forked_from: source.session_id, at_task_id: at.task_id, workspace });
    return (await store.getSession(sessionId))!;
  }

  /** The finished task whose end the fork continues from: the one asked for, else the session's latest. */
  private async forkPointTask(tenant: Tenant, source: Session, atTaskId: string | undefined): Promise<Task> {
    const sourceName = externalId(source.session_id);
    if (atTaskId === undefined) {
      const latest = source.last_turn_task_id ? await this.finishedTask(source.last_turn_task_id) : null;
      if (!latest?.fork_point) throw new DomainError('NOTHING_TO_FORK', `Session ${sourceName} has no finished task to fork from yet`);
      return latest;
    }
    const task = await this.deps.store.getTask(internalId(tenant.id, atTaskId));
    if (!task || task.tenant_id !== tenant.id) throw new DomainError('TASK_NOT_FOUND', `Task ${atTaskId} not found`);
    if (task.session_id !== source.session_id) throw new DomainError('TASK_NOT_IN_SESSION', `Task ${atTaskId} belongs to another session than ${sourceName}`);
    if (!isTerminal(task.status)) throw new DomainError('TASK_NOT_FINISHED', `Task ${atTaskId} is ${task.status}; a fork starts at the end of a finished task`);
    if (!task.fork_point) throw new DomainError('NOTHING_TO_FORK', `Task ${atTaskId} left nothing in the conversation to fork from`);
    return task;
  }

  /**
   * A session names its latest fork point just before that task's final record is written; a
   * fork in between waits for the record (briefly: it is being written) rather than fail.
   */
  private async finishedTask(taskId: string): Promise<Task | null> {
    for (let attempt = 1; ; attempt++) {
      const task = await this.deps.store.getTask(taskId);
      if (!task || isTerminal(task.status) || attempt >= FINISH_WAIT.attempts) return task;
      await new Promise((resolve) => setTimeout(resolve, FINISH_WAIT.delayMs));
    }
  }

  private async workspaceFor(tenant: Tenant, source: Session, name: string, request: ForkSessionRequest): Promise<string> {
    if (request.copy_workspace ?? true) return this.deps.copyWorkspace(tenant.id, source.workspace, request.workspace ?? name);
    if (request.workspace === undefined) return source.workspace;
    return this.deps.resolveWorkspace(tenant.id, request.workspace);
  }
}

/** A fresh session name for a fork: the source's name (shortened to keep the id valid) and a random tail. */
function forkName(sourceId: string): string {
  return `${sourceId.slice(0, 100)}-fork-${randomBytes(4).toString('hex')}`;
}
