import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/client.js';
import { REPO_ROOT } from '../helpers/daemon-process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ccs-npm-start-'));
afterAll(() => {
  // Whatever is left of this test's server when the fix regresses: found by its DATA_DIR.
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`DATA_DIR=${path.join(dir, 'data')}`)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone, or not ours to read
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

/**
 * A supervisor that stops `npm start` signals npm. npm passes SIGTERM to the shell that runs the
 * script, and Debian's sh (dash) neither execs a lone command nor passes signals on: without
 * `exec` in the script the server was left running under init, never told to stop.
 */
describe('npm start under a supervisor', () => {
  it('stops the server when npm gets SIGTERM: it shuts down as from its own signal and stops listening', async () => {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const npm = spawn('npm', ['start'], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        CLAUDE_API_KEY: 'sk-test-npm-start',
        SERVER_HOST: '127.0.0.1',
        SERVER_PORT: String(port),
        METRICS_PORT: '0',
        WARM_POOL_SIZE: '0',
        AGENT_ISOLATION: 'none',
        DATA_DIR: path.join(dir, 'data'),
        WORKSPACE_ROOT: path.join(dir, 'workspaces'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (d: Buffer) => (output += d.toString()));
    npm.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const health = `http://127.0.0.1:${port}/health`;
    await waitFor(() => answers(health), 60_000);
    npm.kill('SIGTERM');
    await waitFor(async () => !(await answers(health)) && output.includes('Server stopped'), 20_000).catch(() => {
      throw new Error(`the server did not stop after npm got SIGTERM:\n${output.slice(-2000)}`);
    });
    expect(output).toContain('"signal":"SIGTERM"');
  }, 90_000);
});
