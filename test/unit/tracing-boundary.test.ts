import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/daemon-process.js';

/**
 * The OpenTelemetry SDK stays inside src/observability/tracing/: the domain traces through the
 * Tracer port (tracer.ts), so it can be tested without the SDK and the SDK is loaded only when
 * tracing is on.
 */
const SRC = path.join(REPO_ROOT, 'src');
const TRACING_DIR = path.join(SRC, 'observability', 'tracing');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx|mts|cts)$/.test(entry.name) ? [full] : [];
  });
}

function otelImports(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles.map((imported) => imported.fileName).filter((name) => name.startsWith('@opentelemetry/'));
}

describe('the tracing boundary', () => {
  it('no file outside src/observability/tracing/ imports @opentelemetry', () => {
    const outside = sourceFiles(SRC).filter((file) => !file.startsWith(TRACING_DIR + path.sep));
    expect(outside.flatMap((file) => otelImports(file).map((name) => `${path.relative(REPO_ROOT, file)} imports ${name}`))).toEqual([]);
  });

  it('only the SDK adapter and the module that loads it on demand name the SDK', () => {
    const naming = sourceFiles(TRACING_DIR).filter((file) => otelImports(file).length > 0);
    expect(naming.map((file) => path.basename(file)).sort()).toEqual(['otel-exporter.ts', 'otel-tracer.ts']);
  });
});
