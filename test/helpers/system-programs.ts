import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The system programs the suites need beyond Node, each with the Debian package that has it and
 * what in a test file shows that the file needs it. A file whose program is missing is left out
 * of the run with one line naming the package; under CI=true a missing program fails the run
 * instead (`.ci/run` installs them all first).
 */
export const SYSTEM_PROGRAMS: ReadonlyArray<{ program: string; pkg: string; usedBy: RegExp }> = [
  { program: 'redis-server', pkg: 'redis-server', usedBy: /helpers\/(redis-server|redis-process|queue-workers|instance-pair)\.js|redis-instances-fixture\.js/ },
  { program: 'chromium', pkg: 'chromium', usedBy: /helpers\/browser\.js/ },
  { program: 'tmux', pkg: 'tmux', usedBy: /\bTmuxCcs\b/ },
  // The daemon runs every agent in a bubblewrap sandbox, bridged by socat, and tracks changes with git.
  { program: 'bwrap', pkg: 'bubblewrap', usedBy: /helpers\/(test-server|daemon-process|instance-pair)\.js|new AgentSandbox\(|composeServer\(/ },
  { program: 'socat', pkg: 'socat', usedBy: /helpers\/(test-server|daemon-process|instance-pair)\.js|composeServer\(/ },
  { program: 'git', pkg: 'git', usedBy: /helpers\/(test-server|daemon-process|instance-pair)\.js|new ChangeTracker\(|composeServer\(/ },
  // The Python client's suite, scripts the agents run (races, raw proxy calls), and a listener that never accepts.
  { program: 'python3', pkg: 'python3', usedBy: /\bpython3\b|helpers\/blackhole\.js/ },
];

/** A program's full path on `searchPath`, as a shell would find it; null when it is not there. */
export function findOnPath(program: string, searchPath = process.env.PATH ?? ''): string | null {
  for (const dir of searchPath.split(':')) {
    if (!dir) continue;
    const file = path.join(dir, program);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

export function onPath(program: string, searchPath = process.env.PATH ?? ''): boolean {
  return findOnPath(program, searchPath) !== null;
}

export interface Skips {
  /** Test files to leave out, relative to the project root. */
  exclude: string[];
  /** One line per missing program, naming its package. */
  lines: string[];
}

/** Which test files cannot run here. Throws under CI, where nothing may be skipped for this. */
export function skipsForMissingPrograms(files: ReadonlyMap<string, string>, present: (program: string) => boolean, ci: boolean): Skips {
  const exclude = new Set<string>();
  const lines: string[] = [];
  const missing = SYSTEM_PROGRAMS.filter(({ program }) => !present(program));
  if (missing.length > 0 && ci) {
    throw new Error(`CI=true and these system programs are missing: ${missing.map((m) => `${m.program} (apt-get install -y ${m.pkg})`).join(', ')}`);
  }
  for (const { program, pkg, usedBy } of missing) {
    const needing = [...files].filter(([, text]) => usedBy.test(text)).map(([file]) => file);
    for (const file of needing) exclude.add(file);
    if (needing.length > 0) lines.push(`Skipping ${needing.length} test files: ${program} is not installed (apt-get install -y ${pkg})`);
  }
  return { exclude: [...exclude].sort(), lines };
}

/** Every test file under `dir` with its text. */
export function readTestFiles(root: string, dir = 'test'): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (relative: string): void => {
    for (const name of readdirSync(path.join(root, relative))) {
      const child = path.join(relative, name);
      if (statSync(path.join(root, child)).isDirectory()) walk(child);
      else if (name.endsWith('.test.ts')) files.set(child, readFileSync(path.join(root, child), 'utf8'));
    }
  };
  walk(dir);
  return files;
}
