import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/daemon-process.js';

/**
 * The domain knows no HTTP: nothing outside the HTTP layer (src/http/) imports from it, but the
 * entry point (src/main.ts), which puts the HTTP front before the composed server. Anything else
 * that needs a type or a constant from there means that thing belongs in the domain, not that the
 * domain may reach into HTTP.
 */
const SRC = path.join(REPO_ROOT, 'src');
const HTTP_DIR = path.join(SRC, 'http');
const ALLOWED_OUTSIDE = new Set([path.join(SRC, 'main.ts')]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx|mts|cts)$/.test(entry.name) ? [full] : [];
  });
}

const inside = (dir: string, file: string): boolean => {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel);
};

/** Every module a file names: static imports, re-exports, dynamic import() and require(). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles.map((imported) => imported.fileName).filter((name) => name.startsWith('.'));
}

function httpImports(files: string[]): string[] {
  return files.flatMap((file) =>
    importsOf(file)
      .filter((specifier) => inside(HTTP_DIR, path.resolve(path.dirname(file), specifier)))
      .map((specifier) => `${path.relative(REPO_ROOT, file)} imports ${specifier}`),
  );
}

describe('the HTTP boundary', () => {
  const files = sourceFiles(SRC);

  it('no file outside src/http/ but the entry point imports from src/http/', () => {
    const outside = files.filter((file) => !inside(HTTP_DIR, file) && !ALLOWED_OUTSIDE.has(file));
    expect(httpImports(outside)).toEqual([]);
  });

  it('sees the imports it polices (main.ts does import the app)', () => {
    expect(httpImports([...ALLOWED_OUTSIDE]).length).toBeGreaterThan(0);
  });
});
