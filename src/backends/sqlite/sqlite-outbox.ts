import type Database from 'better-sqlite3';
import type { WebhookDelivery, WebhookDeliveryPatch } from '../../webhooks/webhook-types.js';
import { applyPatch, insertSql, rowLimit, rowToWebhookDelivery, WEBHOOK_DELIVERY_COLUMNS, type WebhookDeliveryRow } from './sqlite-rows.js';

/** The webhook outbox's table for SqliteStore: deliveries, claimed by due time under a lease. */
export class SqliteOutbox {
  private readonly insertStmt;
  private readonly dueStmt;
  private readonly leaseStmt;
  private readonly getStmt;
  private readonly updateStmt;
  private readonly forTaskStmt;
  private readonly deleteForTaskStmt;
  private readonly claimTx;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare<[WebhookDeliveryRow]>(insertSql('webhook_deliveries', WEBHOOK_DELIVERY_COLUMNS, 'webhook_id'));
    this.dueStmt = db.prepare<[string, number], WebhookDeliveryRow>(
      "SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at ASC, webhook_id ASC LIMIT ?",
    );
    this.leaseStmt = db.prepare<[string, string]>('UPDATE webhook_deliveries SET next_attempt_at = ? WHERE webhook_id = ?');
    this.getStmt = db.prepare<[string], WebhookDeliveryRow>('SELECT * FROM webhook_deliveries WHERE webhook_id = ?');
    this.updateStmt = db.prepare<[WebhookDeliveryRow]>(
      `UPDATE webhook_deliveries SET ${WEBHOOK_DELIVERY_COLUMNS.filter((c) => c !== 'webhook_id')
        .map((c) => `${c} = @${c}`)
        .join(', ')} WHERE webhook_id = @webhook_id`,
    );
    this.forTaskStmt = db.prepare<[string], WebhookDeliveryRow>('SELECT * FROM webhook_deliveries WHERE task_id = ? ORDER BY created_at ASC, webhook_id ASC');
    this.deleteForTaskStmt = db.prepare<[string]>('DELETE FROM webhook_deliveries WHERE task_id = ?');
    // Read and lease in one step: a claimed delivery is leased before anyone can read it as due again.
    this.claimTx = db.transaction((nowIso: string, leaseUntilIso: string, limit: number): WebhookDelivery[] => {
      const due = this.dueStmt.all(nowIso, limit);
      for (const row of due) this.leaseStmt.run(leaseUntilIso, row.webhook_id);
      return due.map((row) => rowToWebhookDelivery({ ...row, next_attempt_at: leaseUntilIso }));
    });
  }

  insert(delivery: WebhookDelivery): void {
    this.insertStmt.run(delivery);
  }

  claimDue(nowIso: string, leaseUntilIso: string, limit: number): WebhookDelivery[] {
    const max = rowLimit(limit);
    return max === 0 ? [] : this.claimTx.immediate(nowIso, leaseUntilIso, max);
  }

  update(webhookId: string, patch: WebhookDeliveryPatch): void {
    const row = this.getStmt.get(webhookId);
    if (row) this.updateStmt.run(applyPatch(row, patch));
  }

  listForTask(taskId: string): WebhookDelivery[] {
    return this.forTaskStmt.all(taskId).map(rowToWebhookDelivery);
  }

  /** Inside the store's retention transaction. */
  deleteForTask(taskId: string): void {
    this.deleteForTaskStmt.run(taskId);
  }
}
