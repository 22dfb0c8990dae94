import { execFileSync } from 'node:child_process';

/**
 * The process-level suites start the compiled daemon exactly as `npm start` does, so build it
 * once, the same way: the server, the dashboard's browser modules (dist/ui) and the bin.
 */
export default function setup(): void {
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
}
