import { readFileSync } from 'node:fs';

function readVersion(): string {
  // Works from both src/server/ (vitest) and dist/src/server/ (compiled) because both sit under the package root.
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'claude-code-server' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
