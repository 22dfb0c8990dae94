import { DomainError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { SubmitResult, TaskService } from '../tasks/task-service.js';
import type { SubmitTaskRequest } from '../tasks/submit-request.js';
import type { Tenant } from '../tenancy/tenant.js';
import type { FireOutcome } from './trigger-metrics.js';
import { firedTaskId, submitOfFire } from './trigger-fire-request.js';
import { isTriggerId, newTriggerId, newTriggerToken, tokenMatches } from './trigger-tokens.js';
import type { Trigger, TriggerStore, TriggerTaskTemplate } from './trigger-types.js';

const FIRE_WINDOW_MS = 60_000;
const UNAUTHORIZED_MESSAGE = 'Trigger token is missing or wrong, or there is no such trigger';

export interface TriggerServiceDeps {
  store: TriggerStore;
  tasks: Pick<TaskService, 'submit'>;
  tenantOf: (tenantId: string) => Tenant | undefined;
  /** Throws a WORKSPACE_* error when the template's workspace can never be used by this tenant. */
  checkWorkspace: (tenantId: string, workspace: string) => void;
  now: () => Date;
  logger: Logger;
  /** Fire attempts (good token or not) per trigger per minute before 429. */
  firePerMinute: number;
  countFire: (outcome: FireOutcome) => void;
}

/** A trigger with the token that works now: only a create or a rotate answer carries it. */
export interface IssuedTrigger {
  trigger: Trigger;
  token: string;
}

export interface FireRequest {
  /** The `Authorization: Bearer` value, if any. */
  token: string | undefined;
  text?: string | undefined;
  /** The caller's own task id (body `task_id`), for an idempotent fire. */
  taskId?: string | undefined;
  /** The `Idempotency-Key` header: the task id is derived from it. */
  idempotencyKey?: string | undefined;
  /** The caller's W3C `traceparent` header: the fired task's span becomes its child. */
  traceparent?: string | undefined;
}

export interface FireResult extends SubmitResult {
  trigger: Trigger;
}

/**
 * Named task templates a caller without a tenant key starts with a token of their own. The
 * token proves the caller may start that one template, as its tenant, and nothing else; runs
 * are ordinary submits, so they count toward the tenant's concurrency and budget.
 */
export class TriggerService {
  constructor(private readonly deps: TriggerServiceDeps) {}

  async create(tenant: Tenant, request: { name: string; task: TriggerTaskTemplate }): Promise<IssuedTrigger> {
    if (request.task.workspace !== undefined) this.deps.checkWorkspace(tenant.id, request.task.workspace);
    const { token, hash } = newTriggerToken();
    const now = this.deps.now().toISOString();
    const trigger: Trigger = {
      trigger_id: newTriggerId(),
      tenant_id: tenant.id,
      name: request.name,
      task: request.task,
      token_hash: hash,
      created_at: now,
      token_issued_at: now,
      last_fired_at: null,
      fire_count: 0,
    };
    if (!(await this.deps.store.insert(trigger))) throw new Error('trigger id collision');
    this.deps.logger.info('Trigger created', { trigger_id: trigger.trigger_id, tenant_id: tenant.id });
    return { trigger, token };
  }

  list(tenant: Tenant): Promise<Trigger[]> {
    return this.deps.store.listByTenant(tenant.id);
  }

  /** Another tenant's trigger answers exactly like a missing one. */
  async get(tenant: Tenant, triggerId: string): Promise<Trigger> {
    const trigger = isTriggerId(triggerId) ? await this.deps.store.get(triggerId) : null;
    if (!trigger || trigger.tenant_id !== tenant.id) throw new DomainError('TRIGGER_NOT_FOUND', `Trigger ${triggerId} not found`);
    return trigger;
  }

  async delete(tenant: Tenant, triggerId: string): Promise<Trigger> {
    const trigger = await this.get(tenant, triggerId);
    if (!(await this.deps.store.delete(triggerId))) throw new DomainError('TRIGGER_NOT_FOUND', `Trigger ${triggerId} not found`);
    this.deps.logger.info('Trigger deleted', { trigger_id: triggerId, tenant_id: tenant.id });
    return trigger;
  }

  /** A new token; the old one stops working with this call. */
  async rotate(tenant: Tenant, triggerId: string): Promise<IssuedTrigger> {
    await this.get(tenant, triggerId);
    const { token, hash } = newTriggerToken();
    const trigger = await this.deps.store.replaceToken(triggerId, hash, this.deps.now().toISOString());
    if (!trigger) throw new DomainError('TRIGGER_NOT_FOUND', `Trigger ${triggerId} not found`);
    this.deps.logger.info('Trigger token rotated', { trigger_id: triggerId, tenant_id: tenant.id });
    return { trigger, token };
  }

  /**
   * Every attempt counts toward the trigger's budget before the token is looked at, so guessing
   * tokens is throttled; an unknown trigger and a wrong token answer alike (nothing tells
   * whether a trigger id exists).
   */
  async fire(triggerId: string, request: FireRequest): Promise<FireResult> {
    const { store, firePerMinute } = this.deps;
    // An id the server never hands out cannot be fired: refused before it costs a counter in storage.
    if (!isTriggerId(triggerId)) {
      this.deps.countFire('unauthorized');
      throw new DomainError('TRIGGER_UNAUTHORIZED', UNAUTHORIZED_MESSAGE);
    }
    const window = await store.countFireAttempt(triggerId, FIRE_WINDOW_MS);
    if (window.count > firePerMinute) {
      this.deps.countFire('rate_limited');
      const retryAfter = Math.max(1, Math.ceil(window.resetMs / 1000));
      throw new DomainError('RATE_LIMITED', `Trigger fire rate exceeded: ${firePerMinute} per minute; retry in ${retryAfter} s`, undefined, retryAfter);
    }
    const trigger = await store.get(triggerId);
    const tenant = trigger ? this.deps.tenantOf(trigger.tenant_id) : undefined;
    if (!trigger || !tenant || request.token === undefined || !tokenMatches(request.token, trigger.token_hash)) {
      this.deps.countFire('unauthorized');
      throw new DomainError('TRIGGER_UNAUTHORIZED', UNAUTHORIZED_MESSAGE);
    }
    const body: SubmitTaskRequest = submitOfFire(trigger.task, request.text, firedTaskId(trigger.trigger_id, request));
    let result: SubmitResult;
    try {
      const origin = request.traceparent === undefined ? {} : { traceparent: request.traceparent };
      result = await this.deps.tasks.submit(tenant, body, undefined, { trigger_id: trigger.trigger_id, ...origin });
    } catch (error) {
      this.deps.countFire('refused');
      throw error;
    }
    this.deps.countFire(result.created ? 'started' : 'replayed');
    if (result.created) {
      const firedAt = this.deps.now().toISOString();
      await store.recordFire(trigger.trigger_id, firedAt);
      this.deps.logger.info('Trigger fired', { trigger_id: trigger.trigger_id, task_id: result.task.task_id });
    }
    return { ...result, trigger };
  }
}
