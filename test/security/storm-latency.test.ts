/**
 * While tenant alpha storms (a fork storm, a memory hog and a /tmp filler at once), tenant
 * beta's warm tasks and /health should keep their unloaded latency: p95 at most 1.5x. This is a
 * measurement, not part of `npm test`: run it alone on a quiet machine with `npm run
 * bench:storm` (other test files running beside it make both samples meaningless). It prints
 * each round's p95s and the pooled ones; see bench/RESULTS.md for what it measured last.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request } from '../helpers/client.js';
import { FILL_TMP, KEYS, LIMITS_ENV, placeHogs, startHarness, type Harness } from './limits-harness.js';

function p95(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
}

/** The shape of a distribution too long to print whole. */
function percentiles(samples: number[]): Record<string, number> {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)]! * 10) / 10;
  return { p50: at(0.5), p90: at(0.9), p95: at(0.95), p99: at(0.99), max: at(1) };
}

/** A finished task's latency as the server saw it: from submit to its terminal state. */
const latencyOf = (task: Record<string, unknown>) => Date.parse(String(task.completed_at)) - Date.parse(String(task.created_at));

async function healthLatency(baseUrl: string): Promise<number> {
  const started = performance.now();
  const { status } = await request(baseUrl, 'GET', '/health');
  expect(status).toBe(200);
  return performance.now() - started;
}

/**
 * Enough samples that p95 is a percentile, not the slowest sample (with 12 it was the maximum,
 * and /health, about 2 ms, moved by a single scheduling hiccup): 30 warm tasks and 600 /health
 * checks per phase.
 *
 * The phases alternate, quiet then storm, ROUNDS times, and each phase's samples are pooled. Run
 * one after the other, a single quiet phase and a single storm phase measured this VM's drift as
 * much as the storm: the unloaded /health p95 alone ranged 3.3-6.8 ms between runs, and every run
 * that missed 1.5x had a low quiet phase (3.3-3.9 ms) and a storm phase within what other runs saw
 * as quiet. Alternating gives both phases the same minutes of the machine.
 */
const ROUNDS = 3;
const SAMPLES_PER_ROUND = 10;
const HEALTH_PER_SAMPLE = 20;
/** Long enough to outlast a round's storm phase (4 s to get going, then about 5-8 s of samples): checked after each. */
const STORM_MS = 20_000;
/** A tenant keeps yielding 3 s after its last busy second (cpu-fairness.ts): the next quiet phase starts after that. */
const YIELD_SETTLE_MS = 5_000;

describe.runIf(process.env.CCS_STORM_LATENCY === '1' && process.getuid?.() === 0)('latency of other tenants while one storms (cgroups, as root)', () => {
  let model: ScriptedModel;
  let dir: string;
  let h: Harness;

  beforeAll(async () => {
    model = await startScriptedModel();
    dir = mkdtempSync(path.join(tmpdir(), 'ccs-storm-latency-'));
    h = await startHarness(model, dir, LIMITS_ENV);
    placeHogs(h, 'alpha', 'repo');
    placeHogs(h, 'alpha', 'repo2');
  }, 60_000);

  afterAll(async () => {
    await h?.daemon.stop('SIGTERM');
    await model?.close();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it("keeps tenant beta's task latency and /health latency while alpha storms (p95 at most 1.5x unloaded)", async () => {
    // Beta's session gets its live process first, so every sample is a warm task.
    expect((await h.run('beta', 'beta-warm', '[[script:bash]][[cmd:echo warm]]', 'work')).status).toBe('completed');
    const phases = { unloaded: { tasks: [] as number[], health: [] as number[] }, loaded: { tasks: [] as number[], health: [] as number[] } };
    const measure = async (label: keyof typeof phases, round: number) => {
      const tasks: number[] = [];
      const health: number[] = [];
      for (let i = 0; i < SAMPLES_PER_ROUND; i++) {
        const task = await h.run('beta', `beta-${label}-${round}-${i}`, '[[script:bash]][[cmd:echo sample]]', 'work', { session: { reuse_existing: true } });
        expect(task.status).toBe('completed');
        tasks.push(latencyOf(task));
        for (let j = 0; j < HEALTH_PER_SAMPLE; j++) health.push(await healthLatency(h.daemon.baseUrl));
      }
      phases[label].tasks.push(...tasks);
      phases[label].health.push(...health);
      console.log(`round ${round} ${label} p95 (ms)`, { tasks: p95(tasks), health: p95(health) });
    };
    for (let round = 1; round <= ROUNDS; round++) {
      await measure('unloaded', round);
      // Submitted, not polled: polling three tasks every 50 ms would load the server and this
      // process during the loaded samples only, and measure that instead of the storm.
      const storms = [
        [`storm-${round}`, `[[script:bash]][[cmd:node limits-hogs.mjs storm ${STORM_MS}]]`, 'repo'],
        [`hog-${round}`, '[[script:bash]][[cmd:node limits-hogs.mjs hog 4096]]', 'repo2'],
        [`tmp-${round}`, `[[script:bash]][[cmd:${FILL_TMP}]]`, 'repo3'],
      ] as const;
      for (const [id, prompt, workspace] of storms) await h.submit('alpha', id, prompt, workspace);
      // The storm is up and forking before the measurement starts.
      await new Promise((r) => setTimeout(r, 4000));
      await measure('loaded', round);
      // Every loaded sample was taken while the fork storm ran.
      const { body: storm } = await request(h.daemon.baseUrl, 'GET', `/api/v1/tasks/storm-${round}`, undefined, { 'x-api-key': KEYS.alpha });
      expect(storm.status).toBe('running');
      for (const [id] of storms) await h.finished('alpha', id);
      await new Promise((r) => setTimeout(r, YIELD_SETTLE_MS));
    }
    const unloaded = { tasks: p95(phases.unloaded.tasks), health: p95(phases.unloaded.health) };
    const loaded = { tasks: p95(phases.loaded.tasks), health: p95(phases.loaded.health) };
    for (const label of ['unloaded', 'loaded'] as const) {
      console.log(label, 'samples (ms)', { tasks: [...phases[label].tasks].sort((a, b) => a - b), health: percentiles(phases[label].health) });
    }
    console.log('latency p95 (ms)', { unloaded, loaded });
    // What keeps beta's latency: alpha, busy, yielded its CPU weight (cpu-fairness.ts).
    expect(h.daemon.stdout()).toMatch(/busy tenant .* yields to the server and the other tenants.*"tenant":"alpha"/);
    expect(loaded.tasks).toBeLessThanOrEqual(unloaded.tasks * 1.5);
    expect(loaded.health).toBeLessThanOrEqual(unloaded.health * 1.5);
  }, 600_000);
});
