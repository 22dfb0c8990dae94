/**
 * What a large workspace adds to a task, end to end: a reused session in a 10,000-file workspace
 * against one in a one-file workspace, the same one-file Write task, interleaved round by round
 * through the daemon (its change tracking and workspace checks run in the tenant's sandbox: as
 * root, bubblewrap with the tenant's own uid). The difference of the medians is what the
 * workspace's size costs each task. Prints one JSON document.
 *
 *   npm run bench:large-workspace          (builds first)
 *   node dist/bench/large-workspace.js [--files 10000] [--rounds 10]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startScriptedModel } from '../src/dev/scripted-model/index.js';
import { lastTaskNumber, startServer, viaServer } from './latency/server.js';
import { GIB, median, round1 } from './latency/stats.js';

const SETTLE_MS = 400;

const { values } = parseArgs({ options: { files: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '10' } } });
const files = Number(values.files);
const rounds = Number(values.rounds);

function seed(workspace: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const dir = path.join(workspace, `src${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `file${i % 100}.ts`), `export const value${i} = ${i};\n`);
  }
}

const model = await startScriptedModel();
const server = await startServer(model, { SESSION_MAX_CONCURRENT: '4', WARM_POOL_SIZE: '1' });
try {
  seed(path.join(server.workspaceRoot, 'large'), files);
  seed(path.join(server.workspaceRoot, 'small'), 1);
  // The first task in each hands the seeded files to the tenant and takes the first snapshot.
  const sessions: Record<'large' | 'small', string> = { large: '', small: '' };
  for (const name of ['large', 'small'] as const) {
    await viaServer(server, undefined, undefined, name);
    sessions[name] = `session-bench-${lastTaskNumber()}`;
    await viaServer(server, sessions[name]);
  }
  const samples: Record<'large' | 'small', number[]> = { large: [], small: [] };
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? (['large', 'small'] as const) : (['small', 'large'] as const)) {
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      samples[name].push((await viaServer(server, sessions[name])).total_ms);
    }
  }
  const large = median(samples.large);
  const small = median(samples.small);
  process.stdout.write(
    JSON.stringify(
      {
        benchmark: 'large-workspace',
        date: new Date().toISOString(),
        machine: {
          cpus: cpus().length,
          cpu_model: cpus()[0]?.model,
          memory_gb: Math.round(totalmem() / GIB),
          node: process.version,
          load_avg_1m: round1(loadavg()[0]!),
        },
        task: 'a reused session, one Write tool call and a text reply (scripted model on loopback)',
        workspace_files: files,
        rounds,
        median_ms: { large_workspace: round1(large), one_file_workspace: round1(small) },
        added_by_workspace_size_ms: round1(large - small),
        target_added_le_150_ms: large - small <= 150,
        samples_ms: { large: samples.large.map(round1), small: samples.small.map(round1) },
      },
      null,
      2,
    ) + '\n',
  );
} finally {
  await server.close();
  await model.close();
}
