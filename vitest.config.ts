import { configDefaults, defineConfig } from 'vitest/config';
import { HeavyFirstSequencer } from './test/helpers/heavy-first-sequencer.js';
import { onPath, readTestFiles, skipsForMissingPrograms } from './test/helpers/system-programs.js';

// A suite that needs a system program this machine lacks is left out, with one line naming the
// package to install; under CI=true the run fails instead.
const skips = skipsForMissingPrograms(readTestFiles(import.meta.dirname ?? process.cwd()), (program) => onPath(program), process.env.CI === 'true');
for (const line of skips.lines) console.warn(line);

/** Suites that run in the test process alone (no daemon, no agent CLI); they share their worker's modules. */
const IN_PROCESS = ['test/unit/**/*.test.ts', 'test/contract/**/*.test.ts'];

export default defineConfig({
  test: {
    exclude: [...configDefaults.exclude, ...skips.exclude],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The integration suites spawn real CLI processes; two cores cannot run many at once.
    maxWorkers: 2,
    pool: 'forks',
    sequence: { sequencer: HeavyFirstSequencer },
    projects: [
      // A fresh process per file costs about half a CPU second of module loading: the in-process
      // suites (no mocks, no global state between files) run one after another in the same worker.
      { extends: true, test: { name: 'in-process', include: IN_PROCESS, isolate: false } },
      // Every other file starts servers, daemons or CLIs of its own, in a fresh worker.
      { extends: true, test: { name: 'processes', include: ['test/**/*.test.ts'], exclude: IN_PROCESS } },
    ],
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
