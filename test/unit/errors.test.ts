import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiError, ERROR_CATALOGUE } from '../../src/errors.js';

const apiDoc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');

describe('error catalogue', () => {
  it.each(Object.entries(ERROR_CATALOGUE))('documents %s in docs/api.md', (code) => {
    expect(apiDoc).toMatch(new RegExp('\\|\\s*`' + code + '`\\s*\\|'));
  });

  it('documents only codes that exist', () => {
    const section = apiDoc.slice(apiDoc.indexOf('## Error codes'), apiDoc.indexOf('\n## ', apiDoc.indexOf('## Error codes') + 1));
    const documented = [...section.matchAll(/^\|\s*`([A-Z_]+)`\s*\|/gm)].map((m) => m[1]!);
    expect(documented.length).toBeGreaterThan(0);
    expect(documented.filter((code) => !(code in ERROR_CATALOGUE))).toEqual([]);
  });

  it('renders the one error shape', () => {
    expect(new ApiError('TASK_NOT_FOUND', 'Task x not found').toBody()).toEqual({ error: { code: 'TASK_NOT_FOUND', message: 'Task x not found' } });
    expect(new ApiError('QUEUE_FULL').status).toBe(429);
  });
});
