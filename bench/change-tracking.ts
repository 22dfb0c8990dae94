/**
 * Change-tracking benchmark: what tracking a task's changes costs in a 10,000-file workspace
 * where the task changes one file. The baseline (before the agent gets its prompt) and the
 * finish (changed_files and the diff) are timed for the first task in the workspace and for
 * later ones, in the server's real setting: root, bubblewrap, the tenant's own uid. Side by side
 * (interleaved rounds) with the host-side git the server used before (bench/legacy), on the same
 * workspace. Prints one JSON document.
 *
 *   npm run bench:changes            (builds first; run as root for the per-tenant uid mode)
 *   node dist/bench/change-tracking.js [--files 10000] [--rounds 20]
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AgentSandbox } from '../src/agent/isolation/agent-sandbox.js';
import { planIsolation } from '../src/agent/isolation/isolation-mode.js';
import { ChangeTracker } from '../src/changes/change-tracker.js';
import type { ChangeBaseline, ChangeReport } from '../src/changes/change-types.js';
import { createLogger } from '../src/observability/logger.js';
import { gitBaseline } from './legacy/host-git-baseline.js';

interface Timed {
  begin_ms: number;
  finish_ms: number;
  total_ms: number;
}

const { values } = parseArgs({ options: { files: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '20' } } });
const FILES = Number(values.files);
const ROUNDS = Number(values.rounds);
const isRoot = process.getuid?.() === 0;

function seed(workspace: string): void {
  const perDir = 100;
  for (let d = 0; d < Math.ceil(FILES / perDir); d++) {
    const dir = path.join(workspace, `src${d}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < perDir && d * perDir + f < FILES; f++) {
      writeFileSync(path.join(dir, `file${f}.ts`), `export const value${f} = ${d * perDir + f};\n`.repeat(20));
    }
  }
}

async function timeTask(begin: () => Promise<ChangeBaseline | null>, change: () => void): Promise<Timed & { files: number }> {
  const t0 = performance.now();
  const baseline = await begin();
  const t1 = performance.now();
  if (!baseline) throw new Error('no baseline');
  change();
  const t2 = performance.now();
  const report: ChangeReport = await baseline.finish();
  const t3 = performance.now();
  if (report.files.length !== 1) throw new Error(`expected one changed file, got ${JSON.stringify(report.files)}`);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { begin_ms: round(t1 - t0), finish_ms: round(t3 - t2), total_ms: round(t1 - t0 + t3 - t2), files: report.files.length };
}

function summary(samples: Timed[]): Record<string, number> {
  const pick = (key: keyof Timed, q: number) => {
    const sorted = samples.map((s) => s[key]).sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  };
  return {
    begin_ms_median: pick('begin_ms', 0.5),
    finish_ms_median: pick('finish_ms', 0.5),
    total_ms_median: pick('total_ms', 0.5),
    total_ms_p90: pick('total_ms', 0.9),
  };
}

function sizeOf(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return { files, bytes };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-bench-changes-'));
  try {
    const workspaceRoot = path.join(dir, 'workspaces');
    const plan = planIsolation('bwrap', { isRoot, platform: 'linux' });
    const sandbox = new AgentSandbox(plan, {
      dataDir: path.join(dir, 'data'),
      homesDir: path.join(dir, 'data', 'homes'),
      workspaceRoot,
      tenants: [{ id: 'alpha', workspaceDir: 'alpha' }],
      uidBase: 231000,
    });
    await sandbox.init();
    const identity = sandbox.identityFor('alpha');
    const workspace = path.join(workspaceRoot, 'alpha', 'repo');
    seed(workspace);
    // A repository with everything committed, as the old implementation found them most often.
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'safe.directory=*', '-c', 'user.name=b', '-c', 'user.email=b@example.com', ...args], { cwd: workspace });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'seed');
    if (identity.user?.kind === 'uid') execFileSync('chown', ['-R', `${identity.user.uid}:${identity.user.gid}`, path.join(workspaceRoot, 'alpha')]);

    const logger = createLogger({ level: 'ERROR', sink: () => undefined });
    const changesDir = path.join(dir, 'data', 'instances', '0', 'tmp', 'changes');
    const tracker = new ChangeTracker(sandbox, changesDir, logger);
    const legacyIndexDir = path.join(dir, 'legacy-index');
    mkdirSync(legacyIndexDir);
    let n = 0;
    const touch = () => appendFileSync(path.join(workspace, `src${n % 100}`, `file${n % 100}.ts`), `// change ${n++}\n`);

    const sandboxed: Timed[] = [];
    const hostGit: Timed[] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      sandboxed.push(await timeTask(() => tracker.begin(`t${round}`, workspace, 'alpha'), touch));
      hostGit.push(await timeTask(() => gitBaseline(workspace, path.join(legacyIndexDir, `t${round}.index`)), touch));
      // Let the shadow's prune (off the task's path) finish before the next round.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const shadowDir = path.join(changesDir, readdirSync(changesDir)[0]!);
    const result = {
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpu_model: cpus()[0]?.model ?? '',
        memory_gb: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        load_avg_1m: loadavg()[0],
      },
      mode: { isolation: plan.mode, per_tenant_uid: identity.user?.kind === 'uid' },
      workspace_files: FILES,
      later_rounds: ROUNDS,
      in_sandbox_shadow_git: { first_task: sandboxed[0], later_tasks: summary(sandboxed.slice(1)) },
      old_host_side_git: { first_task: hostGit[0], later_tasks: summary(hostGit.slice(1)) },
      shadow_after_rounds: sizeOf(shadowDir),
    };
    await tracker.close();
    console.log(JSON.stringify(result, null, 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
