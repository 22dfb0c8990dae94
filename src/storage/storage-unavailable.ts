import { DomainError } from '../errors.js';

/** Why storage cannot take writes: a full disk (507 at submit) or anything else (503). */
export interface StorageFault {
  full: boolean;
  /** Short, operator-facing: the driver's code and message. */
  reason: string;
  /** A connection-level outage (Redis restarting) that a background write may ride out by retrying briefly. */
  retryable?: boolean;
}

/** A backend that cannot be reached is usually back within seconds. */
const UNREACHABLE_RETRY_AFTER_SECONDS = 5;
/** While storage is degraded the health probe runs every few seconds; clients come back after this. */
const DEGRADED_RETRY_AFTER_SECONDS = 10;

/**
 * Storage cannot do what was asked. Domain code lets it travel: a request answers 503
 * STORAGE_UNAVAILABLE (or 507 STORAGE_FULL) with Retry-After, and the executor ends the task
 * `failed` with STORAGE_UNAVAILABLE.
 *
 * Built from a string, it is a backend that cannot be reached (Redis down, a command timed
 * out); built from a fault, it is the storage guard refusing work while storage is degraded.
 */
export class StorageUnavailableError extends DomainError {
  readonly fault: StorageFault;
  /** Why, in full (the fault's reason is cut short for /health and task errors). */
  readonly reason: string;

  constructor(cause: string | StorageFault, retryAfterSeconds?: number) {
    if (typeof cause === 'string') {
      super('STORAGE_UNAVAILABLE', `Storage is unavailable: ${cause}`, undefined, retryAfterSeconds ?? UNREACHABLE_RETRY_AFTER_SECONDS);
      this.fault = { full: false, reason: cause.slice(0, 300), retryable: true };
      this.reason = cause;
    } else {
      super(
        cause.full ? 'STORAGE_FULL' : 'STORAGE_UNAVAILABLE',
        `${cause.full ? 'Storage is full' : 'Storage is unavailable'}; retry later (${cause.reason})`,
        undefined,
        retryAfterSeconds ?? DEGRADED_RETRY_AFTER_SECONDS,
      );
      this.fault = cause;
      this.reason = cause.reason;
    }
    this.name = 'StorageUnavailableError';
  }
}
