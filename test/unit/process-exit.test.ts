import { describe, expect, it } from 'vitest';
import { awaitExitOrKill } from '../../src/agent/process-exit.js';

describe('awaitExitOrKill: a closing agent process exits by itself, or is killed', () => {
  it('leaves a process that exits within the grace period alone', async () => {
    const controller = new AbortController();
    await awaitExitOrKill(Promise.resolve(), [controller], 1000);
    expect(controller.signal.aborted).toBe(false);
  });

  it('kills a process that lingers past the grace period, then waits for it to be reaped', async () => {
    const controllers = [new AbortController(), new AbortController()];
    // Stands for a child that only exits once it is killed (Node kills on abort).
    const exited = new Promise<void>((resolve) => controllers[0]!.signal.addEventListener('abort', () => setTimeout(resolve, 20)));
    let reaped = false;
    void exited.then(() => (reaped = true));
    await awaitExitOrKill(exited, controllers, 10);
    expect(controllers.map((c) => c.signal.aborted)).toEqual([true, true]);
    expect(reaped).toBe(true);
  });
});
