import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Seconds a suite of each folder usually takes on 2 cores, for files this checkout has never
 * timed (a fresh clone has no vitest cache). Only their order matters: the slow folders start
 * real daemons, agent CLIs, Redis or Chromium; unit and contract suites take a second or less.
 */
const FOLDER_ESTIMATE_SECONDS: Record<string, number> = {
  scale: 60,
  security: 40,
  faults: 30,
  ui: 30,
  cli: 25,
  python: 20,
  integration: 15,
  client: 15,
  smoke: 5,
  contract: 2,
  unit: 0.5,
};

export function estimatedSeconds(file: string, cachedMs: number | undefined): number {
  if (cachedMs !== undefined) return cachedMs / 1000;
  const folder = file.split(/[\\/]/)[1] ?? '';
  return FOLDER_ESTIMATE_SECONDS[folder] ?? 15;
}

/**
 * Longest first, so the two workers finish together instead of one running a long suite alone at
 * the end: the last run's time where vitest remembers one, else an estimate by folder (vitest's
 * own fallback, larger files first, sends slow small suites to the end of a fresh run).
 */
export class HeavyFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const estimate = new Map<TestSpecification, number>();
    for (const spec of files) {
      const file = relative(root, spec.moduleId);
      estimate.set(spec, estimatedSeconds(file, this.ctx.cache.getFileTestResults(`${spec.project.name}:${file}`)?.duration));
    }
    return [...files].sort((a, b) => estimate.get(b)! - estimate.get(a)!);
  }
}
