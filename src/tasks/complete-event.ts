import type { EventDraft } from '../events/event-types.js';
import type { Task } from './task-types.js';

/** What a `complete` event tells about a task: its final record, or the outcome about to become it. */
export type CompleteFields = Pick<Task, 'status' | 'result' | 'usage' | 'num_turns' | 'cost_usd' | 'duration_ms' | 'error'>;

/**
 * The event that ends every task's stream. Built in one place because a stream a finisher ends
 * and one a lease reaper ends for a dead holder must be indistinguishable to a client.
 */
export function completeEvent(final: CompleteFields): EventDraft {
  return {
    type: 'complete',
    data: {
      status: final.status,
      result: final.result,
      usage: final.usage,
      num_turns: final.num_turns,
      cost_usd: final.cost_usd,
      duration_ms: final.duration_ms,
      error: final.error,
    },
  };
}
