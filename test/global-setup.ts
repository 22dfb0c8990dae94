import { execFileSync } from 'node:child_process';

/**
 * The process-level suites start the compiled daemon exactly as `npm start` does, so build it
 * once, the same way: the server, the dashboard's browser modules (dist/ui) and the bin.
 */
export default function setup(): void {
  // `npm run test:unit` runs two compiled modules, no daemon: built only when the sources changed.
  if (process.env.CCS_TEST_BUILD === 'if-stale') execFileSync('node', ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
  else execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
}
