import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { CCS_BIN, cleanEnv, jsonLines, runCcs, TmuxCcs, type CcsResult } from './helpers.js';

const KEY = 'ccs-secrets-admin-key-1234';

/** `ccs` with `input` on its stdin (a pipe, closed after it). */
function runCcsWithInput(args: string[], env: Record<string, string>, input: string): Promise<CcsResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CCS_BIN, ...args], { env: cleanEnv(env), timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
    child.stdin!.end(input);
  });
}

/** `ccs secrets …` against a server with auth on: the value from stdin, never printed. */
describe('ccs secrets', () => {
  let server: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer({ API_AUTH_ENABLED: 'true', API_API_KEY: KEY, SECRETS_KEY: 'ccs-secrets-test-key-0123456789abcdef' });
    env = { CCS_URL: server.baseUrl, CCS_API_KEY: KEY };
  });
  afterAll(async () => {
    await server?.close();
  });

  it('set from stdin (one trailing newline dropped) or --value, list, delete; no value is ever printed', async () => {
    const piped = await runCcsWithInput(['secrets', 'set', 'from-stdin'], env, 'piped-value-0042\n');
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).toContain('from-stdin saved');
    expect(await server.secrets.reveal('default', 'from-stdin')).toBe('piped-value-0042');

    const inner = await runCcsWithInput(['secrets', 'set', 'multi-line'], env, 'line one\nline two\r\n');
    expect(inner.code, inner.stderr).toBe(0);
    expect(await server.secrets.reveal('default', 'multi-line')).toBe('line one\nline two');

    const flagged = await runCcs(['--json', 'secrets', 'set', 'from-flag', '--value', 'flag-value-0043'], env);
    expect(flagged.code, flagged.stderr).toBe(0);
    expect(jsonLines(flagged.stdout)[0]).toMatchObject({ name: 'from-flag' });
    expect(await server.secrets.reveal('default', 'from-flag')).toBe('flag-value-0043');

    const empty = await runCcsWithInput(['secrets', 'set', 'nothing'], env, '\n');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('empty');

    const list = await runCcs(['--json', 'secrets', 'list'], env);
    expect(jsonLines(list.stdout).map((s) => s.name)).toEqual(['from-flag', 'from-stdin', 'multi-line']);
    const table = await runCcs(['secrets', 'list'], env);
    expect(table.stdout).toContain('from-stdin');
    for (const output of [piped.stdout, flagged.stdout, list.stdout, table.stdout]) {
      expect(output).not.toContain('piped-value-0042');
      expect(output).not.toContain('flag-value-0043');
    }

    expect((await runCcs(['secrets', 'delete', 'from-flag'], env)).code).toBe(0);
    const gone = await runCcs(['secrets', 'delete', 'from-flag'], env);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain('SECRET_NOT_FOUND');
    const bad = await runCcs(['secrets', 'set', 'bad name', '--value', 'x'], env);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('VALIDATION_ERROR');
  });

  it('at a terminal it asks for the value and does not echo it', async () => {
    const pane = new TmuxCcs(['secrets', 'set', 'typed'], { CCS_URL: server.baseUrl, CCS_API_KEY: KEY });
    try {
      await until(() => pane.screen().includes('Value for typed (not shown):'));
      pane.keys('-l', 'typed-value-0044x');
      pane.keys('BSpace', 'Enter');
      await until(() => pane.exitCode() !== undefined);
      expect(pane.exitCode()).toBe(0);
      expect(pane.screen()).toContain('typed saved');
      expect(pane.screen()).not.toContain('typed-value');
      expect(await server.secrets.reveal('default', 'typed')).toBe('typed-value-0044');
    } finally {
      pane.close();
    }
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
}
