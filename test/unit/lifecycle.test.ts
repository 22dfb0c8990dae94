import { describe, expect, it } from 'vitest';
import { Lifecycle, type Module } from '../../src/server/module.js';

/** A module that writes what it does to `log`; `failStart` makes its start throw. */
function recorded(name: string, log: string[], failStart = false): Module<string> {
  return {
    api: name,
    start: async () => {
      log.push(`start ${name}`);
      if (failStart) throw new Error(`${name} failed`);
    },
    stop: async () => {
      log.push(`stop ${name}`);
    },
  };
}

describe('Lifecycle', () => {
  it('hands back each module’s api, starts modules in the order added and stops them in reverse', async () => {
    const log: string[] = [];
    const lifecycle = new Lifecycle();
    expect(['storage', 'agents', 'tasks'].map((name) => lifecycle.add(recorded(name, log)))).toEqual(['storage', 'agents', 'tasks']);
    await lifecycle.start();
    await lifecycle.stop();
    expect(log).toEqual(['start storage', 'start agents', 'start tasks', 'stop tasks', 'stop agents', 'stop storage']);
  });

  it('skips what a module leaves out, and stops each module once', async () => {
    const log: string[] = [];
    const lifecycle = new Lifecycle();
    lifecycle.add({ api: null });
    lifecycle.add(recorded('tasks', log));
    await lifecycle.start();
    await lifecycle.stop();
    await lifecycle.stop();
    expect(log).toEqual(['start tasks', 'stop tasks']);
  });

  it('stops every module in reverse when one fails to start, then rethrows', async () => {
    const log: string[] = [];
    const lifecycle = new Lifecycle();
    for (const name of ['storage', 'agents']) lifecycle.add(recorded(name, log));
    lifecycle.add(recorded('tasks', log, true));
    lifecycle.add(recorded('expiry', log));
    await expect(lifecycle.start()).rejects.toThrow('tasks failed');
    expect(log).toEqual(['start storage', 'start agents', 'start tasks', 'stop expiry', 'stop tasks', 'stop agents', 'stop storage']);
  });
});
