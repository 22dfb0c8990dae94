import { DomainError } from '../../errors.js';

/** The lowest task priority (options.priority). */
export const MIN_PRIORITY = 0;
/** The highest task priority: claimed first within its tenant's turn. */
export const MAX_PRIORITY = 9;
/** A task that names no priority, and every task stored before priorities existed. */
export const DEFAULT_PRIORITY = 5;

/** A queue item's priority, read defensively: anything but an integer 0..9 counts as the default. */
export function priorityOf(item: { priority?: number | undefined }): number {
  const p = item.priority;
  return typeof p === 'number' && Number.isInteger(p) && p >= MIN_PRIORITY && p <= MAX_PRIORITY ? p : DEFAULT_PRIORITY;
}

/**
 * Refuses a priority that is not an integer 0..9. The HTTP schema checks it first; this keeps
 * submissions that reach the task service another way (agent protocols, schedules, triggers)
 * to the same rule.
 */
export function checkPriority(priority: unknown): void {
  if (priority === undefined) return;
  if (typeof priority === 'number' && Number.isInteger(priority) && priority >= MIN_PRIORITY && priority <= MAX_PRIORITY) return;
  throw new DomainError('VALIDATION_ERROR', 'options.priority must be an integer from 0 to 9', [
    { path: 'options.priority', message: 'must be an integer from 0 to 9' },
  ]);
}
