import { afterEach, beforeEach, describe, it } from 'vitest';
import type { Store } from '../../src/storage/store.js';
import type { StoreHarness } from './store-contract-fixtures.js';
import { durabilityContract } from './store-durability.contract.js';
import { eventsContract } from './store-events.contract.js';
import { forksContract } from './store-forks.contract.js';
import { tracesContract } from './store-traces.contract.js';
import { outboxDiffsSpendContract } from './store-outbox-diffs-spend.contract.js';
import { pruningContract } from './store-pruning.contract.js';
import { sessionsContract } from './store-sessions.contract.js';
import { listTasksContract, tasksWithStatusContract } from './store-task-listing.contract.js';
import { taskRecordsContract } from './store-tasks.contract.js';

// The fixtures the adapter suites (and a few unit tests) build their records with.
export { makeEvent, makeSession, makeTask, type StoreHarness } from './store-contract-fixtures.js';

/**
 * The storage contract of src/storage/store.ts, run against every adapter (in the manner of
 * Hono's common.case tests): each adapter's test file calls this with a factory. The checks
 * live in one store-<area>.contract.ts file per area; each test gets a fresh harness.
 */
export function storeContract(name: string, makeStore: () => Promise<StoreHarness>): void {
  describe(`Store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;
    const current = (): StoreHarness => harness;

    beforeEach(async () => {
      harness = await makeStore();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    taskRecordsContract(current);
    listTasksContract(current);
    tasksWithStatusContract(current);
    sessionsContract(current);
    eventsContract(current);
    pruningContract(current);

    it('close() can be called twice', async () => {
      await store.close();
      await store.close();
    });

    outboxDiffsSpendContract(current);
    durabilityContract(current);
    forksContract(current);
    tracesContract(current);
  });
}
