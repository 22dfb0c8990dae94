import { newTicket, ticketHash, TICKET_TTL_SECONDS, type IssuedTicket, type WsTickets } from '../../tenancy/ws-tickets.js';
import type { RedisConnection } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';

/**
 * WebSocket tickets in Redis, so a ticket minted on one instance is redeemed on any other,
 * once: GETDEL reads and deletes in one step, so two instances racing on one ticket cannot
 * both win. Redis expires a ticket after its TTL; only its hash is stored.
 */
export class RedisTicketStore implements WsTickets {
  private readonly keys: RedisKeys;

  constructor(
    private readonly connection: RedisConnection,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = new RedisKeys(connection.prefix);
  }

  async issue(tenantId: string): Promise<IssuedTicket> {
    const { ticket, hash } = newTicket();
    const expiresAt = this.now() + TICKET_TTL_SECONDS * 1000;
    await this.connection.run((c) => c.set(this.keys.ticket(hash), tenantId, { expiration: { type: 'PX', value: TICKET_TTL_SECONDS * 1000 } }));
    return { ticket, expires_at: new Date(expiresAt).toISOString(), expires_in_seconds: TICKET_TTL_SECONDS };
  }

  async redeem(ticket: string): Promise<string | null> {
    const tenant = await this.connection.run((c) => c.getDel(this.keys.ticket(ticketHash(ticket))));
    return tenant === null ? null : String(tenant);
  }
}
