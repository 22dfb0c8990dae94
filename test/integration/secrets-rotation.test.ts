import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const OLD_KEY = 'old-secrets-key-0123456789abcdefghijkl';
const NEW_KEY = 'new-secrets-key-0123456789abcdefghijkl';
const STRANGER_KEY = 'stranger-secrets-key-0123456789abcdefgh';

/** Finishes when the server's start-up rotation sweep has logged its outcome. */
async function rotationOutcome(server: TestServer): Promise<Record<string, unknown>> {
  for (;;) {
    const line = server.logs.find((l) => l.message === 'Secrets key rotation finished');
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Key rotation as docs/secrets.md tells an operator to do it, across restarts on one SQLite file. */
describe('rotating SECRETS_KEY', () => {
  let model: ScriptedModel;
  let dir: string;
  let database: string;
  const servers: TestServer[] = [];
  /** A server on the shared database file with these keys; the one before it is stopped first. */
  const restartWith = async (env: Record<string, string>): Promise<TestServer> => {
    await servers.at(-1)?.close();
    const server = await startTestServer({ STORAGE_SQLITE_PATH: database, ...env }, model);
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    model = await startScriptedModel();
    dir = await mkdtemp(path.join(tmpdir(), 'ccs-secret-rotation-'));
    database = path.join(dir, 'shared.db');
  });
  afterAll(async () => {
    await servers.at(-1)?.close();
    await model?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('with the old key as previous, every value is re-encrypted at start; then the old key can go', async () => {
    const before = await restartWith({ SECRETS_KEY: OLD_KEY });
    for (const name of ['one', 'two']) {
      expect((await request(before.baseUrl, 'POST', '/api/v1/secrets', { name, value: `${name}-value-before-rotation` })).status).toBe(201);
    }
    expect(before.logs.some((l) => l.message === 'Secrets key rotation finished')).toBe(false);

    // Step 1: the new key, the old one kept as previous.
    const rotating = await restartWith({ SECRETS_KEY: NEW_KEY, SECRETS_KEY_PREVIOUS: OLD_KEY });
    expect(await rotationOutcome(rotating)).toMatchObject({ reencrypted: 2, unreadable: 0 });
    expect(await rotating.secrets.reveal('default', 'one')).toBe('one-value-before-rotation');

    // Step 2: the old key dropped: every value still opens, and a second sweep finds nothing to do.
    const after = await restartWith({ SECRETS_KEY: NEW_KEY });
    expect(await after.secrets.reveal('default', 'one')).toBe('one-value-before-rotation');
    expect(await after.secrets.reveal('default', 'two')).toBe('two-value-before-rotation');
    const again = await restartWith({ SECRETS_KEY: NEW_KEY, SECRETS_KEY_PREVIOUS: OLD_KEY });
    expect(await rotationOutcome(again)).toMatchObject({ reencrypted: 0, unreadable: 0 });

    // A server with an unrelated key opens nothing, says so, and lists the names to set again.
    const stranger = await restartWith({ SECRETS_KEY: STRANGER_KEY, SECRETS_KEY_PREVIOUS: OLD_KEY });
    expect(await rotationOutcome(stranger)).toMatchObject({ reencrypted: 0, unreadable: 2 });
    expect(await stranger.secrets.reveal('default', 'one')).toBeNull();
    expect(stranger.logs.some((l) => l.level === 'ERROR' && l.secret_name === 'one')).toBe(true);
    const names = ((await request<{ secrets: { name: string }[] }>(stranger.baseUrl, 'GET', '/api/v1/secrets')).body.secrets ?? []).map((s) => s.name);
    expect(names).toEqual(['one', 'two']);
    expect((await request(stranger.baseUrl, 'POST', '/api/v1/secrets', { name: 'one', value: 'set-again' })).status).toBe(200);
    expect(await stranger.secrets.reveal('default', 'one')).toBe('set-again');
  });
});
