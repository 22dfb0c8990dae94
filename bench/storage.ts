/**
 * Storage benchmark: event append and replay throughput of the sqlite adapter against the
 * memory adapter (interleaved rounds, medians, ratio), and the memory a process holds while
 * 1,000 finished tasks are stored. Prints one JSON document.
 *
 *   npm run bench:storage            (builds first)
 *   node --expose-gc dist/bench/storage.js [--events 20000] [--rounds 5]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { TaskEvent } from '../src/events/event-types.js';
import { MemoryStore } from '../src/backends/memory/memory-store.js';
import { SqliteStore } from '../src/backends/sqlite/sqlite-store.js';
import type { Store } from '../src/storage/store.js';
import type { Task } from '../src/tasks/task-types.js';

type Adapter = 'memory' | 'sqlite';

function openStore(adapter: Adapter): { store: Store; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-bench-'));
  const store = adapter === 'memory' ? new MemoryStore() : SqliteStore.open(path.join(dir, 'bench.db'));
  return { store, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function event(taskId: string, seq: number): TaskEvent {
  return {
    seq,
    task_id: taskId,
    type: 'tool_result',
    timestamp: new Date().toISOString(),
    data: { tool_use_id: `toolu_${seq}`, content: `line ${seq}: ${'x'.repeat(200)}`, is_error: false },
  };
}

function task(id: string, now: string): Task {
  return {
    task_id: id,
    tenant_id: 'default',
    session_id: `session-${id}`,
    prompt: 'Implement user authentication with tests',
    workspace: `/srv/workspaces/${id}`,
    options: { allowed_tools: ['Read', 'Write', 'Edit', 'Bash'], permission_mode: 'acceptEdits', max_turns: 50, timeout: 3600, model: null },
    status: 'completed',
    created_at: now,
    started_at: now,
    completed_at: now,
    result: 'Done: added login and signup endpoints and their tests.',
    usage: { input_tokens: 10_234, output_tokens: 1_530 },
    num_turns: 7,
    cost_usd: 0.0834,
    duration_ms: 45_000,
    error: null,
    request_hash: 'f'.repeat(64),
    webhook: null,
    changed_files: null,
  };
}

async function throughput(adapter: Adapter, totalEvents: number): Promise<{ append_per_s: number; replay_per_s: number }> {
  const { store, cleanup } = openStore(adapter);
  const tasks = 100;
  const perTask = Math.ceil(totalEvents / tasks);
  try {
    let started = performance.now();
    for (let seq = 1; seq <= perTask; seq++) {
      for (let t = 0; t < tasks; t++) await store.appendEvent(event(`t${t}`, seq));
    }
    const appendSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    let read = 0;
    for (let t = 0; t < tasks; t++) read += (await store.readEvents(`t${t}`, 0)).length;
    const replaySeconds = (performance.now() - started) / 1000;
    return { append_per_s: Math.round((perTask * tasks) / appendSeconds), replay_per_s: Math.round(read / replaySeconds) };
  } finally {
    await store.close();
    cleanup();
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Runs in a child process so each adapter's memory is measured from the same clean start. */
async function memoryChild(adapter: Adapter): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage();
  const { store, cleanup } = openStore(adapter);
  const now = new Date().toISOString();
  for (let i = 0; i < 1000; i++) {
    await store.insertTask(task(`task-${i}`, now));
    for (let seq = 1; seq <= 20; seq++) await store.appendEvent(event(`task-${i}`, seq));
  }
  gc?.();
  const after = process.memoryUsage();
  process.stdout.write(
    JSON.stringify({
      heap_used_mb: +((after.heapUsed - before.heapUsed) / 2 ** 20).toFixed(2),
      rss_mb: +(after.rss / 2 ** 20).toFixed(1),
      rss_growth_mb: +((after.rss - before.rss) / 2 ** 20).toFixed(1),
    }),
  );
  await store.close();
  cleanup();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { events: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' }, 'memory-child': { type: 'string' } },
  });
  if (values['memory-child']) return memoryChild(values['memory-child'] as Adapter);

  const totalEvents = Number(values.events);
  const rounds = Number(values.rounds);
  const samples: Record<Adapter, { append_per_s: number[]; replay_per_s: number[] }> = {
    memory: { append_per_s: [], replay_per_s: [] },
    sqlite: { append_per_s: [], replay_per_s: [] },
  };
  for (let round = 0; round < rounds; round++) {
    // Interleaved, alternating which goes first, so drift on a noisy machine hits both alike.
    const order: Adapter[] = round % 2 === 0 ? ['memory', 'sqlite'] : ['sqlite', 'memory'];
    for (const adapter of order) {
      const result = await throughput(adapter, totalEvents);
      samples[adapter].append_per_s.push(result.append_per_s);
      samples[adapter].replay_per_s.push(result.replay_per_s);
    }
  }
  const script = fileURLToPath(import.meta.url);
  const memoryOf = (adapter: Adapter) =>
    JSON.parse(execFileSync(process.execPath, ['--expose-gc', script, '--memory-child', adapter], { encoding: 'utf8' })) as Record<string, number>;

  const m = { append: median(samples.memory.append_per_s), replay: median(samples.memory.replay_per_s) };
  const s = { append: median(samples.sqlite.append_per_s), replay: median(samples.sqlite.replay_per_s) };
  process.stdout.write(
    JSON.stringify(
      {
        benchmark: 'storage',
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model, memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version },
        events_per_round: totalEvents,
        rounds,
        memory: { append_events_per_s: m.append, replay_events_per_s: m.replay },
        sqlite: { append_events_per_s: s.append, replay_events_per_s: s.replay },
        ratio_sqlite_to_memory: { append: +(s.append / m.append).toFixed(3), replay: +(s.replay / m.replay).toFixed(3) },
        process_memory_with_1000_finished_tasks: { memory: memoryOf('memory'), sqlite: memoryOf('sqlite') },
        samples,
      },
      null,
      2,
    ) + '\n',
  );
}

await main();
