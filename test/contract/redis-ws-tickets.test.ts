import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { RedisConnection } from '../../src/backends/redis/redis-connection.js';
import { RedisTicketStore } from '../../src/backends/redis/redis-ws-tickets.js';
import { RedisProcess } from '../helpers/redis-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { TICKET_CLOCK_START, wsTicketsContract } from './ws-tickets.contract.js';

const logger = createLogger({ level: 'ERROR', sink: () => undefined });
let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.close();
});

const connect = (prefix: string): Promise<RedisConnection> => RedisConnection.open({ url: server.url, host: '', port: 0, prefix }, logger);

/** Time passes for Redis too: every ticket key of the prefix loses `ms` of its TTL. */
async function ageTickets(connection: RedisConnection, ms: number): Promise<void> {
  for await (const keys of connection.client.scanIterator({ MATCH: `${connection.prefix}:ticket:*` })) {
    for (const key of keys) {
      const left = await connection.client.pTTL(key);
      if (left - ms <= 0) await connection.client.del(key);
      else await connection.client.pExpire(key, left - ms);
    }
  }
}

wsTicketsContract('redis', async () => {
  let clock = TICKET_CLOCK_START;
  // A random prefix per test: tests never see each other's keys.
  const connection = await connect(RedisProcess.prefix());
  return {
    tickets: new RedisTicketStore(connection, () => clock),
    passTime: async (ms) => {
      clock += ms;
      await ageTickets(connection, ms);
    },
    cleanup: () => connection.close(),
  };
});

describe('RedisTicketStore specifics', () => {
  it('a ticket issued on one instance is redeemed on another, once; another prefix never sees it', async () => {
    const prefix = RedisProcess.prefix();
    const [a, b, elsewhere] = await Promise.all([connect(prefix), connect(prefix), connect(RedisProcess.prefix())]);
    try {
      const { ticket } = await new RedisTicketStore(a).issue('acme');
      expect(await new RedisTicketStore(elsewhere).redeem(ticket)).toBeNull();
      const results = await Promise.all([new RedisTicketStore(a).redeem(ticket), new RedisTicketStore(b).redeem(ticket)]);
      expect(results.sort()).toEqual(['acme', null].sort());
    } finally {
      await Promise.all([a.close(), b.close(), elsewhere.close()]);
    }
  });

  it('stores only the hash of a ticket, with Redis expiring it', async () => {
    const connection = await connect(RedisProcess.prefix());
    try {
      const { ticket } = await new RedisTicketStore(connection).issue('acme');
      const keys = await connection.client.keys(`${connection.prefix}:*`);
      expect(keys).toHaveLength(1);
      expect(keys[0]).not.toContain(ticket);
      expect(await connection.client.get(keys[0]!)).toBe('acme');
      expect(await connection.client.pTTL(keys[0]!)).toBeGreaterThan(0);
    } finally {
      await connection.close();
    }
  });
});
