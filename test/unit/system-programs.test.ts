import { describe, expect, it } from 'vitest';
import { onPath, skipsForMissingPrograms } from '../helpers/system-programs.js';

const files = new Map([
  ['test/a.test.ts', "import { startRedis } from '../helpers/redis-server.js';"],
  ['test/b.test.ts', "import { startTestServer } from '../helpers/test-server.js';"],
  ['test/c.test.ts', "import { openPage } from '../helpers/browser.js';\nimport { startTestServer } from '../helpers/test-server.js';"],
  ['test/unit/d.test.ts', 'pure logic'],
]);

describe('suites that need a missing system program', () => {
  it('are left out with one line naming the package; nothing is left out when everything is there', () => {
    expect(skipsForMissingPrograms(files, () => true, false)).toEqual({ exclude: [], lines: [] });
    const skips = skipsForMissingPrograms(files, (program) => program !== 'redis-server' && program !== 'bwrap', false);
    expect(skips.exclude).toEqual(['test/a.test.ts', 'test/b.test.ts', 'test/c.test.ts']);
    expect(skips.lines).toEqual([
      'Skipping 1 test files: redis-server is not installed (apt-get install -y redis-server)',
      'Skipping 2 test files: bwrap is not installed (apt-get install -y bubblewrap)',
    ]);
  });

  it('fail the run under CI=true instead', () => {
    expect(() => skipsForMissingPrograms(files, (program) => program !== 'tmux', true)).toThrow('tmux (apt-get install -y tmux)');
    expect(() => skipsForMissingPrograms(files, () => true, true)).not.toThrow();
  });

  it('finds a program on PATH only where it is executable', () => {
    expect(onPath('sh', '/nonexistent:/bin:/usr/bin')).toBe(true);
    expect(onPath('sh', '/nonexistent')).toBe(false);
    expect(onPath('passwd', '/etc')).toBe(false);
  });
});
