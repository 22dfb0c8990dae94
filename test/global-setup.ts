import { execFileSync } from 'node:child_process';

/**
 * The process-level suites start the compiled daemon exactly as `npm start` does, so build it
 * the same way: the server, the dashboard's browser modules (dist/ui) and the bin. Only when
 * something the build reads changed since the last build (always on a fresh clone): a repeated
 * run saves the two type-checked compiles.
 */
export default function setup(): void {
  execFileSync('node', ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
}
