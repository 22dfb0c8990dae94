import { traceLogFields, type TaskTraceContext } from '../observability/tracing/trace-context.js';
import { DomainError, taskError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { SessionService } from '../sessions/session-service.js';
import type { StorageHealth } from '../storage/storage-health.js';
import type { Page, Store, TaskListQuery } from '../storage/store.js';
import { checkRequireApproval } from './approval-options.js';
import { zeroUsageOutcome } from './outcome.js';
import { checkPriority, DEFAULT_PRIORITY } from './queue/priority.js';
import { fingerprint } from './request-fingerprint.js';
import type { Scheduler } from './scheduler.js';
import type { SubmitTaskRequest } from './submit-request.js';
import { taskDefaultTools } from '../mcp/mcp-servers.js';
import type { SubmitChecks } from './submit-checks.js';
import type { TaskExecutor } from './task-executor.js';
import { ZERO_USAGE, type TaskFinisher } from './task-finisher.js';
import { isTerminal, type Task } from './task-types.js';
import { externalId, internalId, type Tenant } from '../tenancy/tenant.js';
import type { PushConfig } from '../webhooks/webhook-types.js';

export interface SubmitResult {
  task: Task;
  /** False when an identical earlier submission was found and returned instead. */
  created: boolean;
}

/** What started a task other than a client's submit, kept on its record. */
export interface TaskOrigin {
  /** The schedule whose tick this task is (internal id). */
  schedule_id?: string;
  /** The trigger whose fire started it. */
  trigger_id?: string;
  /** The caller's W3C `traceparent` header: the task's span becomes its child. */
  traceparent?: string;
}

export interface TaskServiceDeps {
  store: Store;
  sessions: SessionService;
  scheduler: Scheduler;
  executor: TaskExecutor;
  finisher: TaskFinisher;
  logger: Logger;
  now: () => Date;
  newTaskId: () => string;
  /** Whether bypassPermissions can work here (the CLI refuses it as root). */
  bypassPermissionsAllowed: boolean;
  isShuttingDown: () => boolean;
  checks: SubmitChecks;
  /** Releases what a deleted session held (its live agent process). */
  onSessionDeleted: (sessionId: string) => void;
  /** How long an interrupt waits for a task running on another instance to end. */
  stopWaitMs: number;
  /** The tools a task may use when it names none (require_approval must be among them). */
  defaultAllowedTools: readonly string[];
  /** Refuses submits at once while storage fails (503/507 with Retry-After). */
  storage?: StorageHealth;
  /** Gives each task its trace context at submit (absent or off: tasks are untraced). */
  traces?: { contextForSubmit(callerTraceparent: string | undefined): TaskTraceContext | null };
}

/**
 * Reads the task every `intervalMs` until `done` holds or `timeoutMs` passes, and returns the last
 * reading. Polled, because what we wait for may be another instance's doing, which does not wake us.
 */
async function pollTask(store: Store, taskId: string, done: (task: Task | null) => boolean, timeoutMs: number, intervalMs: number): Promise<Task | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = await store.getTask(taskId);
    if (done(task) || Date.now() > deadline) return task;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** How long a submission that lost a race for its task's session waits for the winner's task. */
const RACED_SUBMIT_WAIT_MS = 2_000;

export class TaskService {
  constructor(private readonly deps: TaskServiceDeps) {}

  /**
   * `pushConfig`: an agent protocol's push-notification config behind `body.webhook` (not part of the REST body).
   * `origin`: what started the task when no client did (a schedule's tick, a trigger's fire), kept on its record.
   */
  async submit(tenant: Tenant, body: SubmitTaskRequest, pushConfig?: PushConfig, origin?: TaskOrigin): Promise<SubmitResult> {
    const { store, sessions, scheduler } = this.deps;
    const { task_id: clientId, ...rest } = body;
    const requestHash = fingerprint(rest);
    const requestedId = clientId === undefined ? undefined : internalId(tenant.id, clientId);

    if (requestedId !== undefined) {
      const existing = await store.getTask(requestedId);
      if (existing) return this.idempotentReplay(existing, requestHash);
    }
    if (this.deps.isShuttingDown()) throw new DomainError('SHUTTING_DOWN', 'Server is shutting down; not accepting new tasks', undefined, 10);
    this.deps.storage?.assertWritable();
    if (body.options?.permission_mode === 'bypassPermissions' && !this.deps.bypassPermissionsAllowed) {
      throw new DomainError(
        'PERMISSION_MODE_REFUSED',
        'permission_mode "bypassPermissions" is refused: the server runs as root and Claude Code will not skip permission checks as root. Use acceptEdits with allowed_tools, or run the server as a non-root user.',
      );
    }

    checkRequireApproval(body.options, taskDefaultTools(this.deps.defaultAllowedTools, tenant.mcpServers, body.options?.mcp_servers));
    checkPriority(body.options?.priority);
    await this.deps.checks.checkBudget(tenant);
    this.deps.checks.checkNetworkAllow(tenant, body.options?.network?.allow);
    await this.deps.checks.checkMcpServers(tenant, body.options?.mcp_servers);
    const checkedWebhook = await this.deps.checks.webhookFor(tenant, body.webhook);
    const webhook = checkedWebhook && pushConfig && body.webhook ? { ...checkedWebhook, push_config: pushConfig } : checkedWebhook;

    const reservation = await scheduler.reserve(tenant.id);
    let enqueued = false;
    try {
      const taskId = requestedId ?? internalId(tenant.id, this.deps.newTaskId());
      let placement;
      try {
        placement = await sessions.place(tenant, taskId, body.session, body.workspace);
      } catch (error) {
        // An identical submission may have created this task's session a moment ago and be about to store the task.
        const raced =
          requestedId !== undefined && error instanceof DomainError && error.code === 'SESSION_ALREADY_EXISTS' ? await this.taskStoredSoon(requestedId) : null;
        if (raced) return this.idempotentReplay(raced, requestHash);
        throw error;
      }
      const task: Task = {
        task_id: taskId,
        tenant_id: tenant.id,
        session_id: placement.session.session_id,
        prompt: body.prompt,
        workspace: placement.session.workspace,
        options: {
          allowed_tools: body.options?.allowed_tools ?? null,
          permission_mode: body.options?.permission_mode ?? null,
          max_turns: body.options?.max_turns ?? null,
          timeout: body.options?.timeout ?? null,
          model: body.options?.model ?? null,
          require_approval: body.options?.require_approval ?? null,
          approval_timeout: body.options?.approval_timeout ?? null,
          max_budget_usd: body.options?.max_budget_usd ?? null,
          output_schema: body.options?.output_schema ?? null,
          network: body.options?.network ? { allow: body.options.network.allow } : null,
          priority: body.options?.priority ?? DEFAULT_PRIORITY,
          mcp_servers: body.options?.mcp_servers ?? null,
        },
        status: 'queued',
        created_at: this.deps.now().toISOString(),
        started_at: null,
        completed_at: null,
        result: null,
        usage: { ...ZERO_USAGE },
        num_turns: 0,
        cost_usd: 0,
        duration_ms: null,
        error: null,
        request_hash: requestHash,
        webhook,
        changed_files: null,
      };
      // Absent on other tasks, as every store reads them back.
      if (origin?.schedule_id !== undefined) task.schedule_id = origin.schedule_id;
      if (origin?.trigger_id !== undefined) task.trigger_id = origin.trigger_id;
      const traceContext = this.deps.traces?.contextForSubmit(origin?.traceparent) ?? null;
      if (traceContext) task.trace_context = traceContext;
      if (placement.isNew) await sessions.create(placement.session);
      else await sessions.reopenIfExpired(placement.session);

      const inserted = await store.insertTask(task);
      // Two identical submissions raced past the lookup above; the first one stored wins.
      if (!inserted.inserted) return this.idempotentReplay(inserted.task, requestHash);

      this.deps.logger.info('Task submitted', { task_id: taskId, session_id: task.session_id, workspace: task.workspace, ...traceLogFields(task) });
      try {
        await scheduler.enqueue({ taskId, sessionId: task.session_id, tenantId: tenant.id, priority: task.options.priority ?? undefined }, reservation);
        // The queue consumed the reservation; the finally below only covers the paths that fail.
        enqueued = true;
      } catch (error) {
        // Stored but not queued: end it now rather than leave a task that never runs.
        await this.deps.finisher
          .finish(taskId, zeroUsageOutcome('interrupted', taskError('TASK_INTERRUPTED', 'Task could not be queued')))
          .catch(() => undefined);
        throw error;
      }
      return { task: (await store.getTask(taskId)) ?? task, created: true };
    } finally {
      if (!enqueued) await scheduler.release(reservation);
    }
  }

  /** A tenant's task by the id the client knows; another tenant's answers exactly like a missing one. */
  async get(tenant: Tenant, taskId: string): Promise<Task> {
    const id = internalId(tenant.id, taskId);
    // A task finished while storage failed: its final record is in memory until it is written.
    const task = this.deps.finisher.recordOf(id) ?? (await this.deps.store.getTask(id));
    if (!task || task.tenant_id !== tenant.id) throw new DomainError('TASK_NOT_FOUND', `Task ${taskId} not found`);
    return task;
  }

  list(tenant: Tenant, query: Omit<TaskListQuery, 'tenant_id'>): Promise<Page<Task>> {
    return this.deps.store.listTasks({ ...query, tenant_id: tenant.id });
  }

  /**
   * Points a task's notifications at another webhook (checked as at submit), or at none. The
   * outbox reads it when the task next notifies, on whichever instance that happens.
   */
  async replaceWebhook(tenant: Tenant, taskId: string, request: { url: string; push_config?: PushConfig } | null): Promise<Task> {
    const task = await this.get(tenant, taskId);
    const checked = request ? await this.deps.checks.webhookFor(tenant, { url: request.url }) : null;
    const webhook = checked && request?.push_config ? { ...checked, push_config: request.push_config } : checked;
    return (await this.deps.store.updateTask(task.task_id, { webhook })) ?? task;
  }

  /** Ends a queued or running task as `interrupted` and returns it once it has ended. */
  async interrupt(tenant: Tenant, taskId: string): Promise<Task> {
    return this.stop(await this.get(tenant, taskId), 'interrupted');
  }

  private async stop(task: Task, reason: 'interrupted' | 'session_deleted'): Promise<Task> {
    const taskId = task.task_id;
    if (isTerminal(task.status)) {
      throw new DomainError('TASK_NOT_RUNNING', `Task ${externalId(taskId)} has already finished with status ${task.status}`);
    }
    if (await this.deps.scheduler.cancel(taskId)) {
      const error = reason === 'session_deleted' ? taskError('SESSION_DELETED') : taskError('TASK_INTERRUPTED', 'Task was interrupted before it started');
      await this.deps.finisher.finish(taskId, zeroUsageOutcome('interrupted', error));
      this.deps.logger.info('Queued task interrupted', { task_id: taskId });
    } else if (this.deps.executor.stop(taskId, reason)) {
      await this.deps.executor.whenDone(taskId);
    } else if (await this.deps.scheduler.requestStop(taskId, reason)) {
      // Running on another instance: its holder stops it (or, if that instance is gone, a
      // reaper ends it within a lease period). Wait for the terminal state either way.
      await pollTask(this.deps.store, taskId, (t) => !t || isTerminal(t.status), this.deps.stopWaitMs, 100);
    }
    return (await this.deps.store.getTask(taskId)) ?? task;
  }

  /** Deletes a session, first interrupting its running task and cancelling its queued ones. */
  async deleteSession(tenant: Tenant, clientSessionId: string): Promise<{ session_id: string; interrupted_tasks: string[] }> {
    const sessionId = (await this.deps.sessions.get(tenant, clientSessionId)).session_id;
    const unfinished = (await this.deps.store.tasksWithStatus(['queued', 'running'])).filter((t) => t.session_id === sessionId);
    // Queued ones first, so none of them starts in the slot the running one frees.
    unfinished.sort((a, b) => (a.status === b.status ? 0 : a.status === 'queued' ? -1 : 1));
    const interrupted: string[] = [];
    for (const task of unfinished) {
      try {
        await this.stop(task, 'session_deleted');
        interrupted.push(externalId(task.task_id));
      } catch (error) {
        if (!(error instanceof DomainError && error.code === 'TASK_NOT_RUNNING')) throw error;
      }
    }
    await this.deps.store.deleteSession(sessionId);
    this.deps.onSessionDeleted(sessionId);
    // Other instances may hold a live process of this session too.
    await this.deps.scheduler.announceSessionClosed(sessionId).catch(() => undefined);
    this.deps.logger.info('Session deleted', { session_id: sessionId, interrupted_tasks: interrupted });
    return { session_id: clientSessionId, interrupted_tasks: interrupted };
  }

  /**
   * The task a concurrent submission with the same task_id is storing: it creates the session
   * first, then the task, a few storage round trips apart. Null if none appears in time.
   */
  private taskStoredSoon(taskId: string): Promise<Task | null> {
    return pollTask(this.deps.store, taskId, (t) => t !== null, RACED_SUBMIT_WAIT_MS, 20);
  }

  private idempotentReplay(existing: Task, requestHash: string): SubmitResult {
    if (existing.request_hash !== requestHash) {
      throw new DomainError('TASK_ID_CONFLICT', `Task ${externalId(existing.task_id)} already exists with a different request body`);
    }
    return { task: existing, created: false };
  }
}
