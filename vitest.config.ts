import { configDefaults, defineConfig } from 'vitest/config';
import { HeavyFirstSequencer } from './test/helpers/heavy-first-sequencer.js';
import { onPath, readTestFiles, skipsForMissingPrograms } from './test/helpers/system-programs.js';

// A suite that needs a system program this machine lacks is left out, with one line naming the
// package to install; under CI=true the run fails instead.
const skips = skipsForMissingPrograms(readTestFiles(import.meta.dirname ?? process.cwd()), (program) => onPath(program), process.env.CI === 'true');
for (const line of skips.lines) console.warn(line);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...skips.exclude],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The integration suites spawn real CLI processes; two cores cannot run many at once.
    maxWorkers: 2,
    pool: 'forks',
    sequence: { sequencer: HeavyFirstSequencer },
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'packages/client/src/**/*.ts'],
      // The dashboard's browser code runs in Chromium, where v8 coverage of this process cannot see it.
      exclude: ['src/**/*.d.ts'],
      reporter: ['text-summary', 'text', 'html'],
      reportsDirectory: 'coverage',
    },
  },
});
