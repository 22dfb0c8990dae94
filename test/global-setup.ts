import { execFileSync } from 'node:child_process';

/** The process-level suites start the compiled daemon exactly as `npm start` does, so build it once (as `npm run build` does). */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  // The dashboard's browser modules (dist/ui), served at /ui.
  execFileSync('npx', ['tsc', '-p', 'ui/tsconfig.json'], { stdio: 'inherit' });
}
