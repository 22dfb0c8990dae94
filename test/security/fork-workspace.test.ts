import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const ALPHA_KEY = 'alpha-fork-key-0f3c9a1b2d';
const BETA_KEY = 'beta-fork-key-5b8d2e4f6a';
const sha = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * A fork's workspace copy, attacked by a tenant: links into another tenant's tree are copied as
 * links (never read or followed), the copy lands only in the forking tenant's own tree and as its
 * own user, and another tenant's sessions and tasks cannot be forked or forked at.
 */
describe('fork workspace copy across tenants', () => {
  let server: TestServer;
  const as = (key: string) => (method: string, p: string, body?: unknown) => request(server.baseUrl, method, p, body, { 'x-api-key': key });
  const alpha = as(ALPHA_KEY);
  const beta = as(BETA_KEY);

  beforeAll(async () => {
    const keys = path.join(process.env.TMPDIR ?? '/tmp', `ccs-fork-keys-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(keys, ['tenants:', '  - id: alpha', `    key_sha256: [${sha(ALPHA_KEY)}]`, '  - id: beta', `    key_sha256: [${sha(BETA_KEY)}]`].join('\n'));
    server = await startTestServer({ API_AUTH_ENABLED: 'true', API_KEYS_FILE: keys, API_API_KEY: 'fork-admin-key-19ac0d' });
  });
  afterAll(async () => server?.close());

  const run = async (client: typeof alpha, body: Record<string, unknown>) => {
    expect((await client('POST', '/api/v1/tasks', body)).status).toBe(201);
    return waitForStatus(server.baseUrl, String(body.task_id), ['completed', 'failed'], 60_000, { 'x-api-key': client === alpha ? ALPHA_KEY : BETA_KEY });
  };

  it("copies links into another tenant's tree as links, and only into the forking tenant's own tree", async () => {
    const secret = await run(alpha, { task_id: 'alpha-secret', prompt: '[[script:write-file]]', workspace: 'secret-ws' });
    const secretDir = String(secret.workspace);
    const own = await run(beta, { task_id: 'beta-src', prompt: '[[script:write-file]]', workspace: 'beta-src' });
    const source = String(own.workspace);
    symlinkSync(path.join(secretDir, 'hello.txt'), path.join(source, 'alpha-file'));
    symlinkSync(secretDir, path.join(source, 'alpha-dir'));

    const forked = await beta('POST', '/api/v1/sessions/session-beta-src/fork', { workspace: 'beta-copy' });
    expect(forked.status, JSON.stringify(forked.body)).toBe(201);
    const target = String(forked.body.workspace);
    expect(target).toBe(path.join(server.workspaceRoot, 'beta', 'beta-copy'));
    for (const name of ['alpha-file', 'alpha-dir']) {
      expect(lstatSync(path.join(target, name)).isSymbolicLink()).toBe(true);
      expect(readlinkSync(path.join(target, name))).toBe(readlinkSync(path.join(source, name)));
    }
    // Copied as beta's user: the copy's files belong to whoever owns beta's own files.
    expect(lstatSync(path.join(target, 'hello.txt')).uid).toBe(lstatSync(path.join(source, 'hello.txt')).uid);
    if (server.isolation === 'bwrap') expect(lstatSync(path.join(target, 'hello.txt')).uid).not.toBe(0);
    expect(readdirSync(secretDir).sort()).toEqual(['hello.txt']);

    // Into alpha's tree, by path or through a link: refused, and alpha's tree is unchanged.
    const byPath = await beta('POST', '/api/v1/sessions/session-beta-src/fork', { workspace: '../alpha/stolen' });
    expect(byPath.status).toBe(400);
    expect((byPath.body.error as { code: string }).code).toBe('WORKSPACE_OUTSIDE_ROOT');
    symlinkSync(secretDir, path.join(server.workspaceRoot, 'beta', 'into-alpha'));
    const byLink = await beta('POST', '/api/v1/sessions/session-beta-src/fork', { workspace: 'into-alpha/stolen' });
    expect(byLink.status).toBe(400);
    expect(readdirSync(secretDir).sort()).toEqual(['hello.txt']);
    expect(readdirSync(path.join(server.workspaceRoot, 'alpha')).sort()).toEqual(['secret-ws']);
  });

  it("cannot fork another tenant's session, nor at another tenant's task", async () => {
    const session = await beta('POST', '/api/v1/sessions/session-alpha-secret/fork', {});
    expect(session.status).toBe(404);
    expect((session.body.error as { code: string }).code).toBe('SESSION_NOT_FOUND');
    const task = await beta('POST', '/api/v1/sessions/session-beta-src/fork', { at_task_id: 'alpha-secret' });
    expect(task.status).toBe(404);
    expect((task.body.error as { code: string }).code).toBe('TASK_NOT_FOUND');
  });
});
