import { execFileSync } from 'node:child_process';

/** The process-level suites start the compiled daemon exactly as `npm start` does, so build it once. */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
