import { classifyStorageError } from './storage-health.js';

/** Outages worth waiting out: Redis unreachable, directly or as seen through the guarded store. */
function isBlip(error: unknown): boolean {
  return classifyStorageError(error)?.retryable === true;
}

/** How long a background write (an event, a task's final state) rides out a storage outage. */
export const BACKGROUND_WRITE_RETRY_MS = 15_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a background write, retrying while storage is unavailable (e.g. Redis restarting) for up
 * to `windowMs`, with backoff to 1 s. Only for writes that are safe to repeat, or that check
 * themselves (`alreadyDone`, asked after a failed attempt whose reply may have been lost).
 * Requests never use this: they answer 503 at once and let the client retry.
 */
export async function retryWhileUnavailable<T>(
  write: () => Promise<T>,
  options: { windowMs?: number; alreadyDone?: (error: unknown) => Promise<{ value: T } | null> } = {},
): Promise<T> {
  const deadline = Date.now() + (options.windowMs ?? BACKGROUND_WRITE_RETRY_MS);
  let failedBefore = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      // A retried write may find its own earlier attempt already applied (the reply was lost).
      if (failedBefore && options.alreadyDone) {
        const done = await options.alreadyDone(error).catch(() => null);
        if (done) return done.value;
      }
      if (!isBlip(error) || Date.now() >= deadline) throw error;
      failedBefore = true;
      await sleep(Math.min(100 * 2 ** attempt, 1_000));
    }
  }
}
