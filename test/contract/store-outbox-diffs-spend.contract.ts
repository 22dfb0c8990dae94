import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/storage/store.js';
import type { WebhookDelivery } from '../../src/webhooks/webhook-types.js';
import { at, makeTask, type CurrentHarness } from './store-contract-fixtures.js';

/** The webhook outbox (claim, lease, update, list), task diffs and tenant spend. */
export function outboxDiffsSpendContract(current: CurrentHarness): void {
  describe('webhook outbox, diffs and tenant spend', () => {
    let store: Store;

    beforeEach(() => {
      store = current().store;
    });

    const delivery = (id: string, taskId: string, due: string | null, overrides: Partial<WebhookDelivery> = {}): WebhookDelivery => ({
      webhook_id: id,
      task_id: taskId,
      tenant_id: 'default',
      url: 'https://example.com/hook',
      event: 'completed',
      payload: `{"id":"${id}"}`,
      status: 'pending',
      attempts: 0,
      next_attempt_at: due,
      last_status_code: null,
      last_error: null,
      created_at: at(1),
      delivered_at: null,
      ...overrides,
    });

    it('claims only pending deliveries that are due, oldest first, and leases them', async () => {
      await store.insertWebhookDelivery(delivery('d-late', 't1', at(20)));
      await store.insertWebhookDelivery(delivery('d-early', 't1', at(5)));
      await store.insertWebhookDelivery(delivery('d-future', 't2', at(50)));
      await store.insertWebhookDelivery(delivery('d-done', 't2', null, { status: 'delivered' }));
      const claimed = await store.claimDueWebhookDeliveries(at(30), at(40), 10);
      expect(claimed.map((d) => d.webhook_id)).toEqual(['d-early', 'd-late']);
      expect(claimed.every((d) => d.next_attempt_at === at(40))).toBe(true);
      // Leased: not claimable again until the lease has passed.
      expect(await store.claimDueWebhookDeliveries(at(30), at(45), 10)).toEqual([]);
      expect((await store.claimDueWebhookDeliveries(at(41), at(60), 1)).map((d) => d.webhook_id)).toEqual(['d-early']);
      expect(await store.claimDueWebhookDeliveries(at(41), at(60), 0)).toEqual([]);
    });

    it("updates deliveries, lists a task's deliveries oldest first, and ignores a duplicate id", async () => {
      await store.insertWebhookDelivery(delivery('d-2', 't1', at(5), { created_at: at(2) }));
      await store.insertWebhookDelivery(delivery('d-1', 't1', at(5)));
      await store.insertWebhookDelivery(delivery('d-1', 't1', at(9), { url: 'https://other.example' }));
      await store.updateWebhookDelivery('d-1', { status: 'delivered', attempts: 2, next_attempt_at: null, last_status_code: 200, delivered_at: at(7) });
      await store.updateWebhookDelivery('missing', { status: 'failed' });
      const listed = await store.listWebhookDeliveries('t1');
      expect(listed.map((d) => d.webhook_id)).toEqual(['d-1', 'd-2']);
      expect(listed[0]).toEqual(delivery('d-1', 't1', null, { status: 'delivered', attempts: 2, last_status_code: 200, delivered_at: at(7) }));
      expect(await store.listWebhookDeliveries('t2')).toEqual([]);
    });

    it("keeps one diff per task, and sums a tenant's spend since a date", async () => {
      expect(await store.getTaskDiff('t1')).toBeNull();
      await store.saveTaskDiff('t1', 'first');
      await store.saveTaskDiff('t1', 'second');
      expect(await store.getTaskDiff('t1')).toBe('second');

      await store.insertTask(makeTask({ task_id: 'spend-old', tenant_id: 'acme', created_at: at(1), cost_usd: 5 }));
      await store.insertTask(makeTask({ task_id: 'spend-a', tenant_id: 'acme', created_at: at(10), cost_usd: 0.25 }));
      await store.insertTask(makeTask({ task_id: 'spend-b', tenant_id: 'acme', created_at: at(20), cost_usd: 0.5 }));
      await store.insertTask(makeTask({ task_id: 'spend-other', tenant_id: 'other', created_at: at(20), cost_usd: 7 }));
      expect(await store.tenantSpendSince('acme', at(10))).toBeCloseTo(0.75, 10);
      expect(await store.tenantSpendSince('nobody', at(0))).toBe(0);
    });

    it("prunes a task's deliveries and diff with it", async () => {
      await store.insertTask(makeTask({ task_id: 'gone', status: 'completed', completed_at: at(1) }));
      await store.insertWebhookDelivery(delivery('d-gone', 'gone', at(5)));
      await store.saveTaskDiff('gone', 'diff');
      expect(await store.pruneFinishedBefore(at(2), 10)).toBe(1);
      expect(await store.listWebhookDeliveries('gone')).toEqual([]);
      expect(await store.getTaskDiff('gone')).toBeNull();
      expect(await store.claimDueWebhookDeliveries(at(30), at(40), 10)).toEqual([]);
    });

    it('stores the webhook and changed files of a task', async () => {
      const files = [{ path: 'a.txt', change: 'created' as const, additions: 1, deletions: 0, binary: false }];
      await store.insertTask(makeTask({ task_id: 'with-extras', webhook: { url: 'https://example.com/h', events: ['failed'] } }));
      const updated = await store.updateTask('with-extras', { changed_files: files });
      expect(updated).toMatchObject({ webhook: { url: 'https://example.com/h', events: ['failed'] }, changed_files: files });
      expect((await store.getTask('with-extras'))!.changed_files).toEqual(files);
    });
  });
}
