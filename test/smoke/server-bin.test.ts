import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listenBanner } from '../../src/server/listen-banner.js';
import { REPO_ROOT } from '../helpers/daemon-process.js';

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

describe('npx claude-code-server (the package bin)', () => {
  it('is declared in package.json, built with a shebang, and runs through npx', () => {
    const bin = pkg.bin['claude-code-server'];
    expect(bin).toBe('dist/src/cli/server-bin.js');
    expect(readFileSync(path.join(REPO_ROOT, bin!), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const version = execFileSync('npx', ['--no-install', 'claude-code-server', '--version'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(version.trim()).toBe(pkg.version);
    const help = execFileSync('npx', ['--no-install', 'claude-code-server', '--help'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(help).toContain('--demo');
  });

  it('refuses an unknown argument or a flag without its value with exit code 2 and the usage', () => {
    for (const args of [['--bogus'], ['--port']]) {
      const run = spawnSync(process.execPath, [path.join(REPO_ROOT, pkg.bin['claude-code-server']!), ...args], { encoding: 'utf8' });
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toContain('Usage: claude-code-server');
    }
  });

  it('says where it listens, with a browsable address for a wildcard bind', () => {
    expect(listenBanner({ address: '0.0.0.0', family: 'IPv4', port: 8000 }, '1.2.3')).toBe(
      'Claude Code Server 1.2.3 listening on 0.0.0.0:8000 — API http://localhost:8000/api/v1, dashboard http://localhost:8000/ui, docs http://localhost:8000/docs\n',
    );
    expect(listenBanner({ address: '::1', family: 'IPv6', port: 9 }, '1')).toContain('dashboard http://[::1]:9/ui');
  });
});
