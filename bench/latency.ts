/**
 * Latency benchmark: what the daemon adds to, and saves from, a Claude Code task. In one
 * process, against one scripted model, interleaved round by round:
 *
 *   direct_cold   the SDK's query() called directly, cold (a new CLI process), as a baseline
 *   direct_same   query() called directly with exactly the options the server uses (its env,
 *                 key pipe, setpriv launch, streaming input): the server's overhead is
 *                 server_cold minus this
 *   server_new    the server, a new session (claims a prewarmed spare)
 *   server_reuse  the server, a reused session (one more prompt into its live process)
 *   server_cold   the server with WARM_POOL_SIZE=0, a new session (the same cold SDK path)
 *
 * direct_cold and server_new are measured for three sets of task options, each against a direct
 * cold query() with the same options: the server's defaults (`default`), the seed's example
 * (`seed`: Read, Write, Edit, Bash; acceptEdits; max_turns 50) and a random subset of tools in a
 * random mode, drawn anew each round (`random`).
 *
 * Each is timed from the request (POST, or the query() call) to the task's `complete` event on
 * a WebSocket (or the SDK's result), with time-to-first-event alongside. Prints JSON.
 *
 *   npm run -s bench            (builds first)
 *   node dist/bench/latency.js [--runs 12]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startScriptedModel } from '../src/dev/scripted-model/index.js';
import { direct, directSamePath } from './latency/direct.js';
import { lastTaskNumber, liveSessionMemory, startServer, viaServer } from './latency/server.js';
import { GIB, median, round1 } from './latency/stats.js';
import { DEFAULT_OPTIONS, PROFILES, randomOptions, SEED_OPTIONS, type Profile, type Sample, type TaskOptions } from './latency/task-options.js';

const SETTLE_MS = 400;

async function until(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the warm pool');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '12' }, 'memory-sessions': { type: 'string', default: '6' } } });
  const runs = Number(values.runs);
  const model = await startScriptedModel();
  const directDir = mkdtempSync(path.join(tmpdir(), 'ccs-bench-direct-'));
  const warm = await startServer(model, { SESSION_MAX_CONCURRENT: '4', WARM_POOL_SIZE: '1' });
  const cold = await startServer(model, { SESSION_MAX_CONCURRENT: '4', WARM_POOL_SIZE: '0' });
  const samples: Record<string, Sample[]> = { direct_same: [], server_reuse: [], server_cold: [] };
  for (const profile of PROFILES) {
    samples[`direct_cold_${profile}`] = [];
    samples[`server_new_${profile}`] = [];
  }

  // Warm-up: the first CLI start pays for disk caches; it is not a fair sample for anyone.
  await direct(model, directDir);
  await viaServer(warm);
  const reuseTask = lastTaskNumber();
  const reuseSession = `session-bench-${reuseTask}`;
  await viaServer(warm, reuseSession);

  type Variant = () => Promise<void>;
  for (let round = 0; round < runs; round++) {
    const optionsOf: Record<Profile, TaskOptions | undefined> = { default: undefined, seed: SEED_OPTIONS, random: randomOptions() };
    const variants: Variant[] = [
      async () => void samples.server_reuse!.push(await viaServer(warm, reuseSession)),
      async () => void samples.direct_same!.push(await directSamePath(model, directDir)),
      async () => {
        samples.server_cold!.push(await viaServer(cold));
        await fetch(`${cold.url}/api/v1/sessions/session-bench-${lastTaskNumber()}`, { method: 'DELETE' });
      },
    ];
    for (const profile of PROFILES) {
      variants.push(async () => void samples[`direct_cold_${profile}`]!.push(await direct(model, directDir, optionsOf[profile] ?? DEFAULT_OPTIONS)));
      variants.push(async () => {
        samples[`server_new_${profile}`]!.push(await viaServer(warm, undefined, optionsOf[profile]));
        // Done with it, as an orchestrator would be; this frees the slot for the next spare.
        await fetch(`${warm.url}/api/v1/sessions/session-bench-${lastTaskNumber()}`, { method: 'DELETE' });
      });
    }
    for (let i = 0; i < variants.length; i++) {
      // Let the previous sample's background work (a spare being refilled, a deleted session's
      // process exiting) finish, so it does not eat into whichever variant runs next.
      await until(() => warm.composed.agents.stats().spare >= 1 && warm.composed.agents.stats().exiting === 0);
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      await variants[(i + round) % variants.length]!();
    }
  }
  await warm.close();
  await cold.close();

  const summary = Object.fromEntries(
    Object.entries(samples).map(([name, list]) => [
      name,
      { median_ms: round1(median(list.map((s) => s.total_ms))), first_event_median_ms: round1(median(list.map((s) => s.first_event_ms))), runs: list.length },
    ]),
  ) as Record<string, { median_ms: number; first_event_median_ms: number; runs: number }>;
  const medianOf = (name: string) => summary[name]!.median_ms;
  const memory = await liveSessionMemory(model, Number(values['memory-sessions']));
  await model.close();
  rmSync(directDir, { recursive: true, force: true });

  const ratio = (a: number, b: number) => +(a / b).toFixed(3);
  const ratios = {
    ...Object.fromEntries(PROFILES.map((p) => [`server_new_${p}_vs_direct_cold_${p}`, ratio(medianOf(`server_new_${p}`), medianOf(`direct_cold_${p}`))])),
    server_reuse_vs_direct_cold: ratio(medianOf('server_reuse'), medianOf('direct_cold_default')),
    server_cold_vs_direct_cold: ratio(medianOf('server_cold'), medianOf('direct_cold_default')),
  } as Record<string, number>;
  const overheadMs = round1(medianOf('server_cold') - medianOf('direct_same'));
  const serverMs = Object.entries(samples)
    .filter(([name]) => name.startsWith('server_'))
    .flatMap(([, list]) => list.map((s) => s.server_ms ?? 0));
  process.stdout.write(
    JSON.stringify(
      {
        benchmark: 'latency',
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model, memory_gb: Math.round(totalmem() / GIB), node: process.version },
        task: 'one Write tool call and a text reply (scripted model on loopback)',
        runs,
        results: summary,
        ratios,
        targets: {
          server_new_any_options_le_0_5: PROFILES.every((p) => ratios[`server_new_${p}_vs_direct_cold_${p}`]! <= 0.5),
          server_reuse_le_0_2: ratios.server_reuse_vs_direct_cold! <= 0.2,
          server_overhead_lt_10_ms: median(serverMs) < 10,
        },
        // Per task: request-to-complete minus the agent run the server timed (median, and p90).
        server_overhead_ms: { median: round1(median(serverMs)), p90: round1([...serverMs].sort((a, b) => a - b)[Math.floor(serverMs.length * 0.9)]!) },
        // The same, as a difference of medians against the same SDK path called directly (noisier).
        server_cold_minus_direct_same_ms: overheadMs,
        live_session_memory: memory,
        samples_ms: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, v.map((s) => round1(s.total_ms))])),
      },
      null,
      2,
    ) + '\n',
  );
}

await main();
