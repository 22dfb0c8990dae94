import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const read = (relative: string): string => readFileSync(path.join(repoRoot, relative), 'utf8');

/** Every variable name loadConfig looks up, whatever branch it takes, seen by watching its reads. */
function variablesConfigReads(scratch: string): Set<string> {
  const seen = new Set<string>();
  // Several environments, so that a lookup made only on some branch (redis, auth) is seen too.
  const environments: Record<string, string>[] = [
    {},
    { CLAUDE_API_KEY: 'sk-test' },
    { CLAUDE_API_KEY: 'sk-test', STORAGE_TYPE: 'redis', API_AUTH_ENABLED: 'true', API_API_KEY: 'a-key-long-enough' },
    { CLAUDE_API_KEY: 'sk-test', STORAGE_TYPE: 'memory' },
  ];
  for (const values of environments) {
    const watched = new Proxy(values, {
      get(target, name) {
        if (typeof name === 'string') seen.add(name);
        return target[name as string];
      },
    });
    try {
      loadConfig(watched, scratch);
    } catch {
      // A rejected environment still shows which variables were looked up.
    }
  }
  return seen;
}

/** The first column of the table that starts with `| variable |` in docs/configuration.md. */
function variablesDocumented(markdown: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => /^\|\s*variable\s*\|/.test(line));
  expect(start).toBeGreaterThanOrEqual(0);
  const names: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const name = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/.exec(line)?.[1];
    if (name !== undefined) names.push(name);
  }
  return names;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const heading = inFence ? null : /^#{1,6} (.*)$/.exec(line);
    if (!heading) continue;
    const base = heading[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const seen = counts.get(base) ?? 0;
    counts.set(base, seen + 1);
    anchors.add(seen === 0 ? base : `${base}-${seen}`);
  }
  return anchors;
}

describe('docs/configuration.md', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'docs-sync-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('lists exactly the environment variables src/config.ts reads', () => {
    const read = variablesConfigReads(scratch);
    const documented = variablesDocumented(readFileSync(path.join(repoRoot, 'docs/configuration.md'), 'utf8'));
    expect(read.size).toBeGreaterThan(20);
    expect(documented.filter((name, i) => documented.indexOf(name) !== i)).toEqual([]);
    expect([...read].filter((name) => !documented.includes(name)).sort()).toEqual([]);
    expect(documented.filter((name) => !read.has(name)).sort()).toEqual([]);
  });
});

describe('docs/api.md endpoint table', () => {
  it('lists exactly the operations of openapi.json, besides the dashboard and the metrics port', () => {
    const openapi = JSON.parse(read('openapi.json')) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(openapi.paths).flatMap(([route, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${route}`));
    const doc = read('docs/api.md');
    const table = doc.slice(doc.indexOf('## Endpoints'), doc.indexOf('\n## ', doc.indexOf('## Endpoints') + 1));
    const listed = table
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([A-Z]+ \/[^`\s]*)`/g)].map((m) => m[1]!))
      .filter((operation) => !/^GET \/(ui|metrics)\b/.test(operation));
    expect(operations.length).toBeGreaterThan(10);
    expect(operations.filter((operation) => !listed.includes(operation)).sort()).toEqual([]);
    expect(listed.filter((operation) => !operations.includes(operation)).sort()).toEqual([]);
  });
});

describe('README links into docs/', () => {
  const readme = read('README.md');
  const links = [...readme.matchAll(/\]\((docs\/[^)\s#]+)(?:#([^)\s]+))?\)/g)].map((m) => ({ file: m[1]!, anchor: m[2] }));

  it('has links to follow', () => {
    expect(links.length).toBeGreaterThan(5);
  });

  it.each(links.map((link) => [`${link.file}${link.anchor ? '#' + link.anchor : ''}`, link] as const))('%s resolves', (_, link) => {
    expect(existsSync(path.join(repoRoot, link.file))).toBe(true);
    if (link.anchor !== undefined) expect([...anchorsOf(read(link.file))]).toContain(link.anchor);
  });
});

describe('links between the docs pages', () => {
  const pages = readdirSync(path.join(repoRoot, 'docs')).filter((name) => name.endsWith('.md'));
  const links = pages.flatMap((page) =>
    [...read(`docs/${page}`).matchAll(/\]\(((?!https?:)[^)\s#]*)(?:#([^)\s]+))?\)/g)].map((m) => ({
      from: page,
      target: m[1] === '' ? `docs/${page}` : path.posix.normalize(`docs/${m[1]!}`),
      anchor: m[2],
    })),
  );

  it.each(links.map((link) => [`${link.from} -> ${link.target}${link.anchor ? '#' + link.anchor : ''}`, link] as const))('%s resolves', (_, link) => {
    expect(existsSync(path.join(repoRoot, link.target))).toBe(true);
    if (link.anchor !== undefined && link.target.endsWith('.md')) {
      expect([...anchorsOf(read(link.target))]).toContain(link.anchor);
    }
  });
});
