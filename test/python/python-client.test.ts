import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const run = promisify(execFile);
const CLIENT_DIR = path.resolve('clients/python');
const API_KEY = 'python-client-key-0123456789';

/**
 * The Python client's own unittest suite, run against a real daemon (real SDK and CLI, scripted
 * model) with auth on, so `npm test` covers it in CI.
 */
describe('Python client (clients/python)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ API_AUTH_ENABLED: 'true', API_API_KEY: API_KEY, SECRETS_KEY: 'python-client-secrets-key-0123456789ab' });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('passes its unittest suite against a real server', async () => {
    const outcome = await run('python3', ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.', '-v'], {
      cwd: CLIENT_DIR,
      env: { ...process.env, CCS_URL: server.baseUrl, CCS_API_KEY: API_KEY, PYTHONPATH: CLIENT_DIR, PYTHONDONTWRITEBYTECODE: '1' },
      timeout: 240_000,
    }).catch((error: { stdout?: string; stderr?: string; code?: number }) => error);
    const output = `${outcome.stdout ?? ''}${outcome.stderr ?? ''}`;
    expect('code' in outcome ? outcome.code : 0, output).toBe(0);
    expect(output).toMatch(/Ran \d+ tests/);
    expect(output).not.toMatch(/skipped/);
    expect(output).toMatch(/\nOK\n?/);
  }, 300_000);
});
