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

  it('old values open with SECRETS_KEY_PREVIOUS and are re-encrypted when read; then the old key can go', async () => {
    const before = await restartWith({ SECRETS_KEY: OLD_KEY });
    for (const name of ['used', 'unused']) {
      expect((await request(before.baseUrl, 'POST', '/api/v1/secrets', { name, value: `${name}-value-before-rotation` })).status).toBe(201);
    }

    // Step 1: the new key, the old one kept as previous. Reading a value re-encrypts it.
    const rotating = await restartWith({ SECRETS_KEY: NEW_KEY, SECRETS_KEY_PREVIOUS: OLD_KEY });
    expect((await request(rotating.baseUrl, 'GET', '/api/v1/secrets/used')).status).toBe(200);
    expect(await rotating.secrets.reveal('default', 'used')).toBe('used-value-before-rotation');
    expect(rotating.logs.some((l) => l.message === 'Secret re-encrypted with the current SECRETS_KEY' && l.secret_name === 'used')).toBe(true);

    // Step 2: the old key dropped. What was read since the rotation still opens; what was not is lost.
    const after = await restartWith({ SECRETS_KEY: NEW_KEY });
    expect(await after.secrets.reveal('default', 'used')).toBe('used-value-before-rotation');
    expect(await after.secrets.reveal('default', 'unused')).toBeNull();
    expect(after.logs.some((l) => l.level === 'ERROR' && l.secret_name === 'unused')).toBe(true);
    // Its metadata is still listed, so the operator sees what to set again.
    const names = ((await request<{ secrets: { name: string }[] }>(after.baseUrl, 'GET', '/api/v1/secrets')).body.secrets ?? []).map((s) => s.name);
    expect(names).toEqual(['unused', 'used']);
    expect((await request(after.baseUrl, 'POST', '/api/v1/secrets', { name: 'unused', value: 'set-again' })).status).toBe(200);
    expect(await after.secrets.reveal('default', 'unused')).toBe('set-again');

    // A server with an unrelated key opens nothing.
    const stranger = await restartWith({ SECRETS_KEY: STRANGER_KEY });
    expect(await stranger.secrets.reveal('default', 'used')).toBeNull();
    expect(await stranger.secrets.reveal('default', 'unused')).toBeNull();
  });
});
