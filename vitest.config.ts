import { configDefaults, defineConfig } from 'vitest/config';
import { HeavyFirstSequencer } from './test/helpers/heavy-first-sequencer.js';
import { onPath, readTestFiles, skipsForMissingPrograms } from './test/helpers/system-programs.js';

// A suite that needs a system program this machine lacks is left out, with one line naming the
// package to install; under CI=true the run fails instead.
const skips = skipsForMissingPrograms(readTestFiles(import.meta.dirname ?? process.cwd()), (program) => onPath(program), process.env.CI === 'true');
for (const line of skips.lines) console.warn(line);

/** Suites that run in the test process alone (no daemon, no agent CLI); they share their worker's modules. */
const IN_PROCESS = ['test/unit/**/*.test.ts', 'test/contract/**/*.test.ts'];
/**
 * Suites whose servers run in the test process (startTestServer) and close everything they start,
 * none counting the processes or reading the state of the test process itself: they too share
 * their worker's modules (the server's whole source, about 1.5 CPU seconds per fresh process).
 */
const SHARED_SERVER_SUITES = [
  ...[
    'approvals',
    'auth',
    'bad-input',
    'budgets',
    'changes',
    'concurrency',
    'credential-proxy',
    'files',
    'files-redis',
    'forks',
    'forks-redis',
    'fuzz',
    'logs-metrics',
    'mcp-servers',
    'priorities',
    'priorities-redis',
    'proxy-meter',
    'rate-limit',
    'redis-instances',
    'response-serialization',
    'schedules-api',
    'scripted-model',
    'secrets-rotation',
    'sessions',
    'slow-consumer',
    'structured-results',
    'task-lifecycle',
    'tasks-api',
    'tenants',
    'tool-permissions',
    'tracing',
    'tracing-otlp',
    'tracing-redis',
    'triggers',
    'triggers-redis',
    'webhooks',
  ].map((name) => `test/integration/${name}.test.ts`),
  ...[
    'client/client',
    'client/client-files',
    'client/client-secrets',
    'faults/http-faults',
    'faults/storage-faults',
    'faults/workspace-faults',
    'protocols/acp-instances',
    'protocols/acp',
    'protocols/a2a',
    'protocols/a2a-approvals-push',
    'protocols/a2a-redis',
    'protocols/a2a-v03',
    'protocols/agui-redis',
    'python/python-client',
    'security/files',
    'security/fork-workspace',
    'security/secrets-leak',
  ].map((name) => `test/${name}.test.ts`),
  // They run `ccs` (and tmux) as child processes against a server in the test process.
  ...['ccs-files', 'ccs-fork', 'ccs-scripts', 'ccs-secrets', 'ccs-submit-options', 'ccs-terminal', 'ccs-triggers', 'schedules-clients'].map(
    (name) => `test/cli/${name}.test.ts`,
  ),
];

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
      { extends: true, test: { name: 'shared-servers', include: SHARED_SERVER_SUITES, isolate: false } },
      // Every other file starts daemons or CLIs of its own, or looks at this process, in a fresh worker.
      { extends: true, test: { name: 'processes', include: ['test/**/*.test.ts'], exclude: [...IN_PROCESS, ...SHARED_SERVER_SUITES] } },
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
