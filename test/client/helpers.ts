import type { TaskEvent } from '../../packages/client/src/index.js';

/** A prompt that makes the scripted model run exactly these steps. */
export function inlineScript(steps: unknown[]): string {
  return `[[script:${JSON.stringify({ steps })}]]`;
}

const bash = (command: string) => ({ tool: { name: 'Bash', input: { command } } });

/**
 * A task that runs a tool, then waits `delayMs` in its next model call (the window in which tests
 * drop connections or interrupt), then runs another tool and answers.
 */
export function pausingTask(delayMs: number): string {
  return inlineScript([bash('echo before-pause'), { ...bash('echo after-pause'), delay_ms: delayMs }, { text: 'all done' }]);
}

/** Seqs 1..n in order with no gap or duplicate, ending with one `complete`. */
export function expectGapFree(events: TaskEvent[]): void {
  const seqs = events.map((e) => e.seq);
  const expected = seqs.map((_, i) => i + 1);
  if (JSON.stringify(seqs) !== JSON.stringify(expected)) throw new Error(`events are not gap-free: ${seqs.join(',')}`);
  const completes = events.filter((e) => e.type === 'complete');
  if (completes.length !== 1 || events.at(-1)?.type !== 'complete') throw new Error(`expected one final complete: ${events.map((e) => e.type).join(',')}`);
}
