/**
 * What preparing a workspace costs (the check at submit and again before the agent starts):
 * the tenant's sandbox is launched, the workspace created if missing, resolved, checked and
 * searched for anything the tenant does not own. Measured for a 10,000-file workspace that needs
 * nothing handed over (every task's case), against a bare sandbox launch (`true`), and once for
 * the same workspace after root re-owned it (the recursive chown in a privileged sandbox). Needs
 * root (one uid per tenant) and bubblewrap. Prints one JSON document.
 *
 *   npm run build && node dist/bench/workspace-prepare.js [--files 10000] [--rounds 15]
 */
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { AgentSandbox } from '../src/agent/isolation/agent-sandbox.js';
import { planIsolation } from '../src/agent/isolation/isolation-mode.js';
import { prepareWorkspace } from '../src/workspaces/workspace-preparation.js';

const { values } = parseArgs({ options: { files: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '15' } } });
const files = Number(values.files);
const rounds = Number(values.rounds);

const median = (samples: number[]): number => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
const round = (ms: number): number => Math.round(ms * 10) / 10;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** A tree of `count` small files, 100 per directory, owned by `uid`. */
function populate(dir: string, count: number, uid: number): void {
  mkdirSync(dir, { recursive: true });
  chownSync(dir, uid, uid);
  for (let i = 0; i < count; i++) {
    const sub = path.join(dir, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) {
      mkdirSync(sub);
      chownSync(sub, uid, uid);
    }
    const file = path.join(sub, `f${i}.txt`);
    writeFileSync(file, `file ${i}\n`);
    chownSync(file, uid, uid);
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root: the benchmark measures the one-uid-per-tenant mode');
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-bench-prepare-'));
  try {
    const sandbox = new AgentSandbox(planIsolation('bwrap', { isRoot: true, platform: 'linux' }), {
      dataDir: path.join(dir, 'data'),
      homesDir: path.join(dir, 'data', 'homes'),
      workspaceRoot: path.join(dir, 'workspaces'),
      tenants: [{ id: 'bench', workspaceDir: 'bench' }],
      uidBase: 260_000,
    });
    await sandbox.init();
    const identity = sandbox.identityFor('bench');
    const uid = (identity.user as { uid: number }).uid;
    const workspace = path.join(identity.workspaceRoot, 'repo');
    populate(workspace, files, uid);

    const launch: number[] = [];
    const prepare: number[] = [];
    for (let i = 0; i < rounds; i++) {
      launch.push(await timed(() => sandbox.run(identity, { command: 'true', args: [], cwd: identity.workspaceRoot, timeoutMs: 30_000 })));
      prepare.push(await timed(() => prepareWorkspace(sandbox, identity, workspace)));
    }
    rmSync(workspace, { recursive: true, force: true });
    populate(workspace, files, 0);
    const handOver = await timed(() => prepareWorkspace(sandbox, identity, workspace));

    console.log(
      JSON.stringify(
        {
          files,
          rounds,
          cpus: cpus().length,
          sandbox_launch_ms_median: round(median(launch)),
          prepare_owned_ms_median: round(median(prepare)),
          prepare_owned_ms_max: round(Math.max(...prepare)),
          prepare_after_root_reowned_ms: round(handOver),
        },
        null,
        2,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
