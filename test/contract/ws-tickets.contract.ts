import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TICKET_TTL_SECONDS, type WsTickets } from '../../src/tenancy/ws-tickets.js';

export interface WsTicketsHarness {
  tickets: WsTickets;
  /** Lets `ms` pass for the store: its clock, and wherever it keeps expiry (Redis TTLs). */
  passTime(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

/** Where every harness's clock starts. */
export const TICKET_CLOCK_START = Date.UTC(2025, 0, 1);

/**
 * WebSocket tickets as the auth hook relies on them (src/http/auth.ts): a browser's upgrade
 * presents one in the URL, so it must name its tenant exactly once and only for a short while.
 * Run against every ticket store.
 */
export function wsTicketsContract(name: string, open: () => Promise<WsTicketsHarness>): void {
  describe(`WsTickets contract: ${name}`, () => {
    let harness: WsTicketsHarness;
    let tickets: WsTickets;

    beforeEach(async () => {
      harness = await open();
      tickets = harness.tickets;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('issues an unguessable URL-safe ticket that expires TICKET_TTL_SECONDS from now', async () => {
      const issued = await tickets.issue('acme');
      expect(issued.ticket).toMatch(/^[A-Za-z0-9_-]{32,}$/);
      expect(issued.expires_in_seconds).toBe(TICKET_TTL_SECONDS);
      expect(issued.expires_at).toBe(new Date(TICKET_CLOCK_START + TICKET_TTL_SECONDS * 1000).toISOString());
      const again = await tickets.issue('acme');
      expect(again.ticket).not.toBe(issued.ticket);
    });

    it('redeems a ticket to its tenant once: a second redeem finds nothing', async () => {
      const { ticket } = await tickets.issue('acme');
      expect(await tickets.redeem(ticket)).toBe('acme');
      expect(await tickets.redeem(ticket)).toBeNull();
    });

    it('two redeems racing on one ticket: exactly one wins', async () => {
      const { ticket } = await tickets.issue('acme');
      const results = await Promise.all(Array.from({ length: 6 }, () => tickets.redeem(ticket)));
      expect(results.filter((tenant) => tenant === 'acme')).toHaveLength(1);
      expect(results.filter((tenant) => tenant === null)).toHaveLength(5);
    });

    it("keeps tenants apart: each ticket names its own tenant, and redeeming one leaves another's", async () => {
      const forAcme = await tickets.issue('acme');
      const forGlobex = await tickets.issue('globex');
      const secondForAcme = await tickets.issue('acme');
      expect(await tickets.redeem(forGlobex.ticket)).toBe('globex');
      expect(await tickets.redeem(forAcme.ticket)).toBe('acme');
      expect(await tickets.redeem(secondForAcme.ticket)).toBe('acme');
    });

    it('an unknown, empty or altered ticket names no tenant', async () => {
      const { ticket } = await tickets.issue('acme');
      expect(await tickets.redeem('')).toBeNull();
      expect(await tickets.redeem('not-a-ticket')).toBeNull();
      const altered = (ticket[0] === 'A' ? 'B' : 'A') + ticket.slice(1);
      expect(await tickets.redeem(altered)).toBeNull();
      expect(await tickets.redeem(ticket.slice(0, -1))).toBeNull();
      // The failed attempts did not use it up.
      expect(await tickets.redeem(ticket)).toBe('acme');
    });

    it('a ticket is good until its TTL has passed, and gone after', async () => {
      const early = await tickets.issue('acme');
      const late = await tickets.issue('acme');
      // Well inside the TTL (a real Redis TTL also counts the test's own time).
      await harness.passTime((TICKET_TTL_SECONDS - 5) * 1000);
      expect(await tickets.redeem(early.ticket)).toBe('acme');
      await harness.passTime(5 * 1000);
      expect(await tickets.redeem(late.ticket)).toBeNull();
      // A ticket issued now has a full TTL of its own.
      const fresh = await tickets.issue('acme');
      expect(fresh.expires_at).toBe(new Date(TICKET_CLOCK_START + 2 * TICKET_TTL_SECONDS * 1000).toISOString());
      expect(await tickets.redeem(fresh.ticket)).toBe('acme');
    });
  });
}
