import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { RedisConnection } from '../../src/backends/redis/redis-connection.js';
import { RedisTranscriptStore } from '../../src/backends/redis/redis-transcript-store.js';
import { RedisProcess } from '../helpers/redis-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { TRANSCRIPT_CLOCK_START, transcriptStoreContract } from './transcript-store.contract.js';

const logger = createLogger({ level: 'ERROR', sink: () => undefined });
let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.close();
});

const connect = (prefix: string): Promise<RedisConnection> => RedisConnection.open({ url: server.url, host: '', port: 0, prefix }, logger);

transcriptStoreContract('redis', async () => {
  let clock = TRANSCRIPT_CLOCK_START;
  // A random prefix per test: tests never see each other's keys.
  const prefix = RedisProcess.prefix();
  const connections = [await connect(prefix)];
  return {
    store: new RedisTranscriptStore(connections[0]!, () => clock),
    advance: (ms) => (clock += ms),
    // Another instance: its own connection to the same Redis and prefix.
    reopen: async () => {
      connections.push(await connect(prefix));
      return new RedisTranscriptStore(connections.at(-1)!, () => clock);
    },
    cleanup: async () => {
      for (const connection of connections) await connection.close();
    },
  };
});

describe('RedisTranscriptStore specifics', () => {
  it('with a ttl, a transcript expires after its last append and old sessions leave the project index', async () => {
    const connection = await connect(RedisProcess.prefix());
    try {
      let clock = TRANSCRIPT_CLOCK_START;
      const main = { projectKey: '/srv/ws:one', sessionId: 'sess-1' };
      const expiring = new RedisTranscriptStore(connection, () => clock, 3600);
      await expiring.append(main, [{ type: 'user', uuid: 'u1' }]);
      await expiring.append({ ...main, subpath: 'subagents/a' }, [{ type: 'user', uuid: 's1' }]);
      const ttl = await connection.client.ttl(`{${connection.prefix}:tr:${encodeURIComponent(main.projectKey)}:${main.sessionId}}:main:entries`);
      expect(ttl).toBeGreaterThan(3500);
      expect(ttl).toBeLessThanOrEqual(3600);
      clock += 2 * 3600 * 1000;
      await expiring.append({ projectKey: main.projectKey, sessionId: 'fresh' }, [{ type: 'user', uuid: 'f1' }]);
      expect((await expiring.listSessions(main.projectKey)).map((s) => s.sessionId)).toEqual(['fresh']);
    } finally {
      await connection.close();
    }
  });
});
