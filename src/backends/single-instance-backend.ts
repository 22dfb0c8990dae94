import type { ScheduleStore } from '../schedules/schedule-store.js';
import type { Store } from '../storage/store.js';
import type { TranscriptStore } from '../storage/transcript-store.js';
import { InProcessTaskQueue } from '../tasks/queue/in-process-task-queue.js';
import type { QueueLimits } from '../tasks/queue/task-queue.js';
import { TicketStore } from '../tenancy/ws-tickets.js';
import type { TriggerStore } from '../triggers/trigger-types.js';
import type { SecretStore } from '../secrets/secret-types.js';
import type { Backend } from './backend.js';

/** Memory or SQLite: one instance, so the queue, tickets and rate-limit counts stay in this process. */
export function singleInstanceBackend(
  kind: 'memory' | 'sqlite',
  store: Store,
  transcripts: TranscriptStore,
  limits: QueueLimits,
  schedules: ScheduleStore,
  triggers: TriggerStore,
  secrets: SecretStore,
): Backend {
  const queue = new InProcessTaskQueue(limits);
  return {
    kind,
    store,
    transcripts,
    tickets: new TicketStore(),
    bus: null,
    queue,
    rateLimitStore: null,
    uids: null,
    schedules,
    triggers,
    secrets,
    health: () => ({ up: true, reason: null }),
    close: async () => {
      await queue.close();
      await store.close();
      await transcripts.close();
    },
  };
}
