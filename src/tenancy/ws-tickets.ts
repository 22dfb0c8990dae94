import { randomBytes } from 'node:crypto';
import { sha256 } from './tenant-registry.js';

export const TICKET_TTL_SECONDS = 30;
const MAX_OUTSTANDING = 10_000;

/**
 * Short-lived, single-use tickets for WebSocket upgrades from browsers, which cannot set
 * headers: a client with a key asks for a ticket and puts it in the URL (`?ticket=`), so no
 * long-lived key ever appears in a URL or an access log.
 */
export class TicketStore {
  private readonly tickets = new Map<string, { tenantId: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(tenantId: string): { ticket: string; expires_at: string; expires_in_seconds: number } {
    this.sweep();
    if (this.tickets.size >= MAX_OUTSTANDING) this.tickets.delete(this.tickets.keys().next().value!);
    const ticket = randomBytes(24).toString('base64url');
    const expiresAt = this.now() + TICKET_TTL_SECONDS * 1000;
    this.tickets.set(sha256(ticket).toString('hex'), { tenantId, expiresAt });
    return { ticket, expires_at: new Date(expiresAt).toISOString(), expires_in_seconds: TICKET_TTL_SECONDS };
  }

  /** The ticket's tenant, once: a redeemed or expired ticket is gone. */
  redeem(ticket: string): string | null {
    const key = sha256(ticket).toString('hex');
    const entry = this.tickets.get(key);
    this.tickets.delete(key);
    return entry && entry.expiresAt > this.now() ? entry.tenantId : null;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.tickets) if (entry.expiresAt <= now) this.tickets.delete(key);
  }
}
