import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request, type JsonResponse } from '../helpers/client.js';
import { MAIN } from '../helpers/daemon-process.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const ALPHA_KEY = 'alpha-key-secrets-7c1e0d';
const BETA_KEY = 'beta-key-secrets-2a9f4b';
const SECRETS_KEY = 'secrets-key-for-tests-0123456789abcdef';
const sha = (key: string) => createHash('sha256').update(key).digest('hex');

type Body = Record<string, unknown> & { error?: { code: string; message: string; details?: { path: string; message: string }[] } };

describe('secrets API: write-only values per tenant', () => {
  let model: ScriptedModel;
  let server: TestServer;
  let disabled: TestServer;
  const as =
    (key: string, base: () => string = () => server.baseUrl) =>
    (method: string, p: string, body?: unknown): Promise<JsonResponse<Body>> =>
      request<Body>(base(), method, p, body, { 'x-api-key': key });
  const alpha = as(ALPHA_KEY);
  const beta = as(BETA_KEY);

  beforeAll(async () => {
    model = await startScriptedModel();
    const keys = path.join(process.env.TMPDIR ?? '/tmp', `ccs-secret-keys-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(keys, ['tenants:', '  - id: alpha', `    key_sha256: [${sha(ALPHA_KEY)}]`, '  - id: beta', `    key_sha256: [${sha(BETA_KEY)}]`].join('\n'));
    const auth = { API_AUTH_ENABLED: 'true', API_KEYS_FILE: keys };
    server = await startTestServer({ ...auth, SECRETS_KEY }, model);
    disabled = await startTestServer(auth, model);
  });
  afterAll(async () => {
    await server?.close();
    await disabled?.close();
    await model?.close();
  });

  it('creates (201), replaces (200, created_at kept), lists by name, gets and deletes (204); never a value', async () => {
    const created = await alpha('POST', '/api/v1/secrets', { name: 'npm-token', value: 'npm_first-value-1' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['created_at', 'name', 'updated_at']);
    expect(created.body.name).toBe('npm-token');
    expect(created.body.created_at).toBe(created.body.updated_at);

    const replaced = await alpha('POST', '/api/v1/secrets', { name: 'npm-token', value: 'npm_second-value-2' });
    expect(replaced.status).toBe(200);
    expect(replaced.body.created_at).toBe(created.body.created_at);
    expect(String(replaced.body.updated_at) >= String(created.body.updated_at)).toBe(true);
    expect(await server.secrets.reveal('alpha', 'npm-token')).toBe('npm_second-value-2');

    await alpha('POST', '/api/v1/secrets', { name: 'Zeta.key', value: 'z' });
    await alpha('POST', '/api/v1/secrets', { name: '0-first', value: 'o' });
    const list = await alpha('GET', '/api/v1/secrets');
    expect(list.status).toBe(200);
    expect((list.body.secrets as Body[]).map((s) => s.name)).toEqual(['0-first', 'Zeta.key', 'npm-token']);
    for (const s of list.body.secrets as Body[]) expect(Object.keys(s).sort()).toEqual(['created_at', 'name', 'updated_at']);

    const one = await alpha('GET', '/api/v1/secrets/npm-token');
    expect(one.status).toBe(200);
    expect(one.body).toEqual(replaced.body);

    const deleted = await alpha('DELETE', '/api/v1/secrets/Zeta.key');
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeNull();
    for (const method of ['GET', 'DELETE']) {
      const gone = await alpha(method, '/api/v1/secrets/Zeta.key');
      expect(gone.status).toBe(404);
      expect(gone.body.error?.code).toBe('SECRET_NOT_FOUND');
    }
    expect(await server.secrets.reveal('alpha', 'Zeta.key')).toBeNull();
    expect(await server.secrets.missing('alpha', ['npm-token', 'Zeta.key', 'nope', '0-first'])).toEqual(['Zeta.key', 'nope']);
    // A name no secret can have is simply not there.
    expect((await alpha('GET', '/api/v1/secrets/has%20space')).body.error?.code).toBe('SECRET_NOT_FOUND');
  });

  it('refuses every bad body with 400 VALIDATION_ERROR, quoting no value', async () => {
    const canary = 'value-that-must-not-echo-4711';
    const bad: [unknown, string][] = [
      [{ value: canary }, 'name'],
      [{ name: 'ok' }, 'value'],
      [{ name: 'ok', value: '' }, 'value'],
      [{ name: 'ok', value: 42 }, 'value'],
      [{ name: 'ok', value: null }, 'value'],
      [{ name: '', value: canary }, 'name'],
      [{ name: 'has space', value: canary }, 'name'],
      [{ name: '.hidden', value: canary }, 'name'],
      [{ name: '-dash', value: canary }, 'name'],
      [{ name: 'a/b', value: canary }, 'name'],
      [{ name: 'x'.repeat(129), value: canary }, 'name'],
      [{ name: 'ok', value: 'v'.repeat(64 * 1024 + 1) }, 'value'],
      // 32 769 characters, 65 538 bytes of UTF-8: the limit counts bytes.
      [{ name: 'ok', value: 'é'.repeat(32 * 1024 + 1) }, 'value'],
      [{ name: 'ok', value: `${canary}\ud800` }, 'value'],
      [{ name: 'ok', value: canary, extra: canary }, '(body)'],
      [[{ name: 'ok', value: canary }], ''],
    ];
    for (const [body, field] of bad) {
      const answer = await alpha('POST', '/api/v1/secrets', body);
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(answer.body.error?.code).toBe('VALIDATION_ERROR');
      if (field !== '') expect(answer.body.error?.details?.[0]?.path).toBe(field);
      expect(JSON.stringify(answer.body)).not.toContain(canary);
    }
    expect((await alpha('POST', '/api/v1/secrets')).body.error?.code).toBe('VALIDATION_ERROR');
    expect((await alpha('GET', '/api/v1/secrets')).body.secrets).not.toContainEqual(expect.objectContaining({ name: 'ok' }));

    // The limits themselves are fine.
    expect((await alpha('POST', '/api/v1/secrets', { name: 'x'.repeat(128), value: 'v'.repeat(64 * 1024) })).status).toBe(201);
    expect((await alpha('POST', '/api/v1/secrets', { name: 'emoji', value: '🔑 key' })).status).toBe(201);
    expect(await server.secrets.reveal('alpha', 'emoji')).toBe('🔑 key');
  });

  it('keeps tenants apart: another tenant never sees, reads or deletes a name, and may use the same one', async () => {
    await alpha('POST', '/api/v1/secrets', { name: 'alpha-only', value: 'alpha-private-value' });
    await alpha('POST', '/api/v1/secrets', { name: 'shared', value: 'alpha-shared-value' });
    const names = ((await beta('GET', '/api/v1/secrets')).body.secrets as Body[]).map((s) => s.name);
    expect(names).not.toContain('alpha-only');
    expect(names).not.toContain('shared');
    for (const method of ['GET', 'DELETE']) {
      const answer = await beta(method, '/api/v1/secrets/alpha-only');
      expect(answer.status).toBe(404);
      expect(answer.body.error?.code).toBe('SECRET_NOT_FOUND');
    }
    expect((await alpha('GET', '/api/v1/secrets/alpha-only')).status).toBe(200);

    expect((await beta('POST', '/api/v1/secrets', { name: 'shared', value: 'beta-shared-value' })).status).toBe(201);
    expect(await server.secrets.reveal('alpha', 'shared')).toBe('alpha-shared-value');
    expect(await server.secrets.reveal('beta', 'shared')).toBe('beta-shared-value');
    expect(await server.secrets.reveal('beta', 'alpha-only')).toBeNull();
    expect(await server.secrets.missing('beta', ['shared', 'alpha-only'])).toEqual(['alpha-only']);

    for (const [method, p] of [
      ['GET', '/api/v1/secrets'],
      ['GET', '/api/v1/secrets/shared'],
      ['DELETE', '/api/v1/secrets/shared'],
    ] as const) {
      expect((await request<Body>(server.baseUrl, method, p)).status).toBe(401);
    }
    expect((await request<Body>(server.baseUrl, 'POST', '/api/v1/secrets', { name: 'x', value: 'y' })).status).toBe(401);
    expect(await server.secrets.reveal('alpha', 'shared')).toBe('alpha-shared-value');
  });

  it('without SECRETS_KEY: every secrets route answers 503 SECRETS_DISABLED, and nothing else breaks', async () => {
    const off = as(ALPHA_KEY, () => disabled.baseUrl);
    for (const [method, p, body] of [
      ['POST', '/api/v1/secrets', { name: 'x', value: 'y' }],
      ['POST', '/api/v1/secrets', { bad: true }],
      ['GET', '/api/v1/secrets', undefined],
      ['GET', '/api/v1/secrets/x', undefined],
      ['DELETE', '/api/v1/secrets/x', undefined],
    ] as const) {
      const answer = await off(method, p, body);
      expect(answer.status, `${method} ${p}`).toBe(503);
      expect(answer.body.error?.code).toBe('SECRETS_DISABLED');
      expect(answer.body.error?.message).toContain('SECRETS_KEY');
    }
    expect((await off('GET', '/api/v1/tasks')).status).toBe(200);
    expect((await request(disabled.baseUrl, 'GET', '/health')).status).toBe(200);
    expect(disabled.secrets.enabled).toBe(false);
    expect(server.secrets.enabled).toBe(true);
    expect(await disabled.secrets.reveal('alpha', 'x')).toBeNull();
    expect(await disabled.secrets.missing('alpha', ['x', 'y'])).toEqual(['x', 'y']);
  });

  it('a SECRETS_KEY under 32 characters stops the daemon at start-up as a configuration error (exit 2)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccs-secret-config-'));
    const outcome = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        CLAUDE_API_KEY: 'test-key-0123456789',
        SECRETS_KEY: 'too-short-key-31-characters-xyz',
        METRICS_PORT: '0',
      };
      execFile(process.execPath, [MAIN], { cwd: dir, env, timeout: 30_000 }, (error, _stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr }),
      );
    });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('SECRETS_KEY must be at least 32 characters');
    expect(outcome.stderr).not.toContain('too-short-key');
  });
});
