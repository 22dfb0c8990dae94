import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/client.js';
import { childPids, claudeProcesses, isAlive, isClaudeCliPath } from '../helpers/processes.js';

// The leftover-process checks of the fault suites are only as good as these helpers: a helper
// that misses the CLI (another platform's package) or returns nothing when ps fails makes every
// "no process left behind" assertion pass without looking.
describe('test/helpers/processes.ts: finds the CLI of every platform package, and never answers "none" blindly', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-process-helpers-'));
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const child of started) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a stand-in CLI: a script named `claude` in a folder named like the SDK's platform package. */
  function startFakeCli(platform: string): number {
    const packageDir = path.join(dir, 'node_modules', '@anthropic-ai', `claude-agent-sdk-${platform}`);
    mkdirSync(packageDir, { recursive: true });
    const cli = path.join(packageDir, 'claude');
    // No exec: the shell stays alive with the script's path in its arguments, as the CLI would.
    writeFileSync(cli, '#!/bin/sh\nsleep 60\ntrue\n');
    chmodSync(cli, 0o755);
    const child = spawn(cli, [], { stdio: 'ignore' });
    started.push(child);
    return child.pid!;
  }

  it.each(['linux-x64', 'linux-arm64', 'linux-x64-musl', 'linux-arm64-musl', 'darwin-arm64'])('sees a running CLI from the %s package', async (platform) => {
    const pid = startFakeCli(platform);
    await waitFor(async () => claudeProcesses(process.pid).includes(pid), 5000, 20);
    expect(claudeProcesses()).toContain(pid);
    expect(childPids(process.pid)).toContain(pid);
    expect(isAlive(pid)).toBe(true);
  });

  it('matches the CLI binary only, on any platform', () => {
    expect(isClaudeCliPath('C:\\app\\node_modules\\@anthropic-ai\\claude-agent-sdk-win32-x64\\claude.exe')).toBe(true);
    expect(isClaudeCliPath('/app/node_modules/@anthropic-ai/claude-agent-sdk-darwin-x64/claude')).toBe(true);
    expect(isClaudeCliPath('/app/node_modules/@anthropic-ai/claude-agent-sdk/cli.js')).toBe(false);
    expect(isClaudeCliPath('/app/node_modules/@anthropic-ai/claude-agent-sdk-linux-x64/claude-helper')).toBe(false);
  });

  it('answers "none" when ps looked and found nothing', () => {
    const gone = spawn('true');
    expect(childPids(gone.pid ?? 0).length).toBe(0);
    expect(isAlive(2 ** 22 + 1)).toBe(false);
  });

  it('throws when ps cannot run, rather than reporting no processes', () => {
    const savedPath = process.env.PATH;
    process.env.PATH = path.join(dir, 'no-ps-here');
    try {
      expect(() => claudeProcesses()).toThrow(/ps/);
      expect(() => childPids(process.pid)).toThrow(/ps/);
      expect(() => isAlive(process.pid)).toThrow(/ps/);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});
