import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/client.js';
import { startInstancePair, type InstancePair } from '../helpers/instance-pair.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const SECRETS_KEY = 'leak-test-secrets-key-0123456789abcdef';

/** A value nobody could write by chance: if these bytes show up anywhere, the value leaked. */
const canary = (label: string) => `canary-${label}-${randomBytes(12).toString('hex')}`;

/** Every file under `dir`, as bytes. */
function filesUnder(dir: string): { file: string; bytes: Buffer }[] {
  const out: { file: string; bytes: Buffer }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(file));
    else if (entry.isFile() && statSync(file).size < 64 * 1024 * 1024) out.push({ file, bytes: readFileSync(file) });
  }
  return out;
}

/** Drives every secrets route with the values, keeping every answer's raw text. */
async function exercise(base: string, values: string[], answers: string[]): Promise<void> {
  const call = async (method: string, p: string, body?: unknown) => {
    const answer = await fetch(base + p, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    answers.push(`${answer.status} ${JSON.stringify([...answer.headers])} ${await answer.text()}`);
    return answer.status;
  };
  expect(await call('POST', '/api/v1/secrets', { name: 'leak-probe', value: values[0] })).toBe(201);
  for (const value of values.slice(1)) expect(await call('POST', '/api/v1/secrets', { name: 'leak-probe', value })).toBe(200);
  // Refused bodies carrying the value must not echo it either.
  expect(await call('POST', '/api/v1/secrets', { name: 'leak-probe', value: values[0], unknown: values[0] })).toBe(400);
  expect(await call('POST', '/api/v1/secrets', { name: 'bad name', value: values[0] })).toBe(400);
  await call('GET', '/api/v1/secrets');
  await call('GET', '/api/v1/secrets/leak-probe');
  await call('GET', '/openapi.json');
}

describe('a secret value leaks nowhere: answers, logs, metrics, the SQLite files', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SECRETS_KEY });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('stores only ciphertext, and the value shows up in no answer, log line or metric', async () => {
    const values = [canary('first'), canary('second')];
    const answers: string[] = [];
    await exercise(server.baseUrl, values, answers);
    // The server itself can read it back: the value was stored, just not in the clear.
    expect(await server.secrets.reveal('default', 'leak-probe')).toBe(values[1]);

    const metrics = await (await fetch(server.metricsUrl)).text();
    const logs = server.logs.map((line) => JSON.stringify(line)).join('\n');
    expect(logs).toContain('leak-probe');
    for (const value of values) {
      for (const answer of answers) expect(answer).not.toContain(value);
      expect(logs).not.toContain(value);
      expect(metrics).not.toContain(value);
    }

    const files = filesUnder(server.dir);
    const database = files.filter((f) => f.file.startsWith(server.config.storage.sqlitePath));
    expect(database.length).toBeGreaterThan(0);
    expect(Buffer.concat(database.map((f) => f.bytes)).includes('v1:')).toBe(true);
    for (const { file, bytes } of files) for (const value of values) expect(bytes.includes(value), file).toBe(false);
  });
});

describe('a secret value leaks nowhere on Redis, and every instance reads it', () => {
  let pair: InstancePair;
  beforeAll(async () => {
    pair = await startInstancePair(`sec${Date.now()}`, { SECRETS_KEY });
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('set on A, read on B; no key or value in Redis holds it in the clear', async () => {
    const values = [canary('redis-first'), canary('redis-second')];
    const answers: string[] = [];
    await exercise(pair.a.baseUrl, values, answers);
    expect(await pair.b.secrets.reveal('default', 'leak-probe')).toBe(values[1]);
    expect((await request(pair.b.baseUrl, 'GET', '/api/v1/secrets/leak-probe')).status).toBe(200);
    expect((await request(pair.b.baseUrl, 'DELETE', '/api/v1/secrets/leak-probe')).status).toBe(204);
    expect(await pair.a.secrets.reveal('default', 'leak-probe')).toBeNull();
    expect((await request(pair.b.baseUrl, 'POST', '/api/v1/secrets', { name: 'leak-probe', value: values[0] })).status).toBe(201);

    const client = createClient({ url: pair.redis.url });
    await client.connect();
    try {
      const dump: string[] = [];
      for await (const keys of client.scanIterator({ COUNT: 500 })) {
        for (const key of [keys].flat()) {
          const type = await client.type(key);
          dump.push(key);
          if (type === 'string') dump.push(String(await client.get(key)));
          else if (type === 'hash') dump.push(JSON.stringify(await client.hGetAll(key)));
          else if (type === 'list') dump.push(...(await client.lRange(key, 0, -1)));
          else if (type === 'set') dump.push(...(await client.sMembers(key)));
          else if (type === 'zset') dump.push(...(await client.zRange(key, 0, -1)));
          else if (type === 'stream') dump.push(JSON.stringify(await client.xRange(key, '-', '+')));
        }
      }
      const text = dump.join('\n');
      expect(text).toContain('leak-probe');
      expect(text).toContain('v1:');
      for (const value of values) expect(text).not.toContain(value);
    } finally {
      await client.quit();
    }
    const logs = [...pair.a.logs, ...pair.b.logs].map((line) => JSON.stringify(line)).join('\n');
    for (const value of values) {
      expect(logs).not.toContain(value);
      for (const answer of answers) expect(answer).not.toContain(value);
    }
  });

  it('creates racing on A and B: exactly one 201, every other one a replace', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => request([pair.a, pair.b][i % 2]!.baseUrl, 'POST', '/api/v1/secrets', { name: 'raced', value: `value-${i}` })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const created = answers.map((a) => (a.body as { created_at: string }).created_at);
    expect(new Set(created).size).toBe(1);
    expect(await pair.a.secrets.reveal('default', 'raced')).toMatch(/^value-\d$/);
  });
});
