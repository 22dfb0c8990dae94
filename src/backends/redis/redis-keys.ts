/**
 * The Redis key layout (contract D). Every key about one task carries the hash tag
 * `{<prefix>:t:<taskId>}`, so a script touching a task's record, events and fence stays in
 * one slot. Indexes are prefix-wide sorted sets (so one primary, not Cluster); their members are
 * `<time>\0<id>` under one score, so BYLEX ranges give (time, id) order, which is what the API
 * pages by.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  taskTag(taskId: string): string {
    return `{${this.prefix}:t:${taskId}}`;
  }
  task(taskId: string): string {
    return `${this.taskTag(taskId)}:task`;
  }
  events(taskId: string): string {
    return `${this.taskTag(taskId)}:events`;
  }
  /** The current holder's fence token, set by the queue at claim and take-over (contract D). */
  fence(taskId: string): string {
    return `${this.taskTag(taskId)}:fence`;
  }
  /** The unified diff of the task's workspace changes. */
  diff(taskId: string): string {
    return `${this.taskTag(taskId)}:diff`;
  }
  /** The task's webhook deliveries, members `<created_at>\0<webhook_id>`. */
  taskWebhooks(taskId: string): string {
    return `${this.taskTag(taskId)}:webhooks`;
  }
  /** One webhook delivery (a hash); the outbox scripts build the same name. */
  webhook(webhookId: string): string {
    return `${this.prefix}:wh:${webhookId}`;
  }
  /** Pending deliveries by due time, members `<next_attempt_at>\0<webhook_id>`. */
  webhookDueIndex(): string {
    return `${this.prefix}:idx:webhooks:due`;
  }
  session(sessionId: string): string {
    return `${this.prefix}:s:${sessionId}`;
  }
  sessionIndex(): string {
    return `${this.prefix}:idx:sessions`;
  }
  /** Task index for a listing: all, one status, one tenant, or both. */
  taskIndex(filter: { tenant?: string | undefined; status?: string | undefined }): string {
    const tenant = filter.tenant === undefined ? '' : `:n:${filter.tenant}`;
    const status = filter.status === undefined ? '' : `:s:${filter.status}`;
    return `${this.prefix}:idx:tasks${tenant}${status}`;
  }
  /** Finished tasks by completed_at, for retention. */
  finishedIndex(): string {
    return `${this.prefix}:idx:finished`;
  }
  /** Pub/sub channel announcing appends: the message is the task id. */
  eventChannel(): string {
    return `${this.prefix}:events`;
  }
  ticket(hash: string): string {
    return `${this.prefix}:ticket:${hash}`;
  }
  rateLimit(key: string): string {
    return `${this.prefix}:rl:${key}`;
  }
  /** Every schedule: field = schedule id, value = its JSON record. */
  schedules(): string {
    return `${this.prefix}:schedules`;
  }
  /** A schedule's runs: members are task ids, scores their fire times (ms). */
  scheduleRuns(scheduleId: string): string {
    return `${this.prefix}:schedule-runs:${scheduleId}`;
  }
  /** The instance that fires schedules holds this key (its INSTANCE_ID) with a TTL. */
  scheduleLeader(): string {
    return `${this.prefix}:schedules:leader`;
  }
  /** One trigger (a hash, one JSON value per field). */
  trigger(triggerId: string): string {
    return `${this.prefix}:trg:${triggerId}`;
  }
  /** A tenant's triggers, members `<created_at>\0<trigger_id>`. */
  tenantTriggers(tenantId: string): string {
    return `${this.prefix}:idx:triggers:n:${tenantId}`;
  }
  /** Fire attempts on one trigger in the current window (a counter with a TTL). */
  triggerFires(triggerId: string): string {
    return `${this.prefix}:rl:trigger:${triggerId}`;
  }
  /** A tenant's secrets: field = name, value = JSON with the ciphertext and times (never a plaintext). */
  tenantSecrets(tenantId: string): string {
    return `${this.prefix}:secrets:n:${tenantId}`;
  }
}

/** The member of a (time, id) index. */
export const indexMember = (time: string, id: string): string => `${time}\u0000${id}`;

export const idOfMember = (member: string): string => member.slice(member.indexOf('\u0000') + 1);
