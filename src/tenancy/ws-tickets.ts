import { randomBytes } from 'node:crypto';
import { sha256 } from './tenant-registry.js';

export const TICKET_TTL_SECONDS = 30;
const MAX_OUTSTANDING = 10_000;

export interface IssuedTicket {
  ticket: string;
  expires_at: string;
  expires_in_seconds: number;
}

/** Where tickets live: this process (TicketStore) or Redis, shared by every instance (RedisTicketStore). */
export interface WsTickets {
  issue(tenantId: string): Promise<IssuedTicket>;
  /** The ticket's tenant, once: a redeemed or expired ticket is gone. */
  redeem(ticket: string): Promise<string | null>;
}

/** A new ticket and the hash it is stored under (the ticket itself is never stored). */
export function newTicket(): { ticket: string; hash: string } {
  const ticket = randomBytes(24).toString('base64url');
  return { ticket, hash: sha256(ticket).toString('hex') };
}

export const ticketHash = (ticket: string): string => sha256(ticket).toString('hex');

/**
 * Short-lived, single-use tickets for WebSocket upgrades from browsers, which cannot set
 * headers: a client with a key asks for a ticket and puts it in the URL (`?ticket=`), so no
 * long-lived key ever appears in a URL or an access log.
 */
export class TicketStore implements WsTickets {
  private readonly tickets = new Map<string, { tenantId: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async issue(tenantId: string): Promise<IssuedTicket> {
    this.sweep();
    if (this.tickets.size >= MAX_OUTSTANDING) this.tickets.delete(this.tickets.keys().next().value!);
    const { ticket, hash } = newTicket();
    const expiresAt = this.now() + TICKET_TTL_SECONDS * 1000;
    this.tickets.set(hash, { tenantId, expiresAt });
    return { ticket, expires_at: new Date(expiresAt).toISOString(), expires_in_seconds: TICKET_TTL_SECONDS };
  }

  async redeem(ticket: string): Promise<string | null> {
    const key = ticketHash(ticket);
    const entry = this.tickets.get(key);
    this.tickets.delete(key);
    return entry && entry.expiresAt > this.now() ? entry.tenantId : null;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.tickets) if (entry.expiresAt <= now) this.tickets.delete(key);
  }
}
