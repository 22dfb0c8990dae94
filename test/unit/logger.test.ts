import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NOW = new Date('2026-01-19T10:00:00.000Z');

function collect(level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' = 'DEBUG', redact?: (text: string) => string) {
  const lines: string[] = [];
  const logger = createLogger({ level, sink: (line) => lines.push(line), now: () => NOW, ...(redact ? { redact } : {}) });
  return { logger, lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('logger', () => {
  it("writes the seed's format: timestamp, level, logger, message, then context, in that order", () => {
    const { logger, lines } = collect();
    logger.child('tasks').info('Task completed', { task_id: 'task-123', num_turns: 7, cost_usd: 0.08, missing: undefined });
    expect(lines).toEqual([
      '{"timestamp":"2026-01-19T10:00:00.000Z","level":"INFO","logger":"claude_code_server.tasks","message":"Task completed","task_id":"task-123","num_turns":7,"cost_usd":0.08}',
    ]);
  });

  it('names levels DEBUG, INFO, WARN, ERROR and drops lines below the threshold', () => {
    const { logger, parsed } = collect('WARN');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(parsed().map((line) => [line.level, line.message])).toEqual([
      ['WARN', 'w'],
      ['ERROR', 'e'],
    ]);
    const all = collect('DEBUG');
    all.logger.debug('d');
    expect(all.parsed()[0]).toMatchObject({ level: 'DEBUG', logger: 'claude_code_server' });
  });

  it('never lets context overwrite the four fixed fields', () => {
    const { logger, lines } = collect();
    logger.child('http').warn('real', { timestamp: 'forged', level: 'ERROR', logger: 'forged', message: 'forged', extra: 1 });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.match(/"message"/g)).toHaveLength(1);
    expect(lines[0]!.match(/"timestamp"/g)).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      timestamp: NOW.toISOString(),
      level: 'WARN',
      logger: 'claude_code_server.http',
      message: 'real',
      extra: 1,
    });
  });

  it('writes errors as {name, message}, also inside objects and arrays, without stacks', () => {
    const { logger, lines, parsed } = collect();
    const cause = new TypeError('bad input');
    logger.error('failed', { error: cause, nested: { errors: [new RangeError('r'), 'text'] }, when: NOW });
    expect(parsed()[0]).toMatchObject({
      error: { name: 'TypeError', message: 'bad input' },
      nested: { errors: [{ name: 'RangeError', message: 'r' }, 'text'] },
      when: NOW.toISOString(),
    });
    expect(lines[0]).not.toContain('at ');
  });

  it('runs the redactor over every written line', () => {
    const { logger, parsed } = collect('DEBUG', (text) => text.split('s3cret-value').join('[REDACTED]'));
    logger.info('key s3cret-value', { detail: { token: 's3cret-value' } });
    expect(parsed()[0]).toMatchObject({ message: 'key [REDACTED]', detail: { token: '[REDACTED]' } });
  });

  it('writes stdout asynchronously and still delivers every line when the process exits right away', () => {
    // The compiled logger (test/global-setup.ts builds dist/) in a process that exits straight after logging.
    const script = `
      import { createLogger } from ${JSON.stringify(path.join(REPO_ROOT, 'dist/src/observability/logger.js'))};
      const logger = createLogger({ level: 'INFO' });
      for (let i = 0; i < 20000; i++) logger.info('line', { i, pad: 'x'.repeat(100) });
      process.exit(3);
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(run.status).toBe(3);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(20000);
    expect(JSON.parse(lines[19999]!)).toMatchObject({ level: 'INFO', message: 'line', i: 19999 });
  });
});
