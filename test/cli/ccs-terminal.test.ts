import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CcsClient } from '../../packages/client/src/index.js';
import { waitFor } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { pausingTask } from '../client/helpers.js';
import { TmuxCcs } from './helpers.js';

/** `ccs --follow` for a person: a real pseudo-terminal (tmux), read back with capture-pane. */
describe('ccs in a terminal', () => {
  let server: TestServer;
  let ccs: CcsClient;
  let pane: TmuxCcs | undefined;

  beforeAll(async () => {
    server = await startTestServer({ WARM_POOL_SIZE: '0' });
    ccs = new CcsClient({ baseUrl: server.baseUrl });
  });
  afterEach(() => {
    pane?.close();
    pane = undefined;
  });
  afterAll(async () => {
    await server?.close();
  });

  const screenShows = (pattern: RegExp) => waitFor(async () => pattern.test(pane!.screen()), 45_000);

  it('shows the live view: spinner with elapsed time and tokens, tool calls, results, colours, the outcome', async () => {
    pane = new TmuxCcs(['submit', pausingTask(5_000), '--tools', 'Bash', '--task-id', 'tty-live', '--follow'], { CCS_URL: server.baseUrl });
    // While the agent works: the first tool call and its result above a spinner line.
    await screenShows(/→ Bash\(echo before-pause\)[\s\S]*⎿ before-pause[\s\S]*working… [\d.]+s · [\d,]+ tokens/);
    expect(pane.screen()).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] working…/m);
    expect((await ccs.tasks.get('tty-live')).status).toBe('running');
    await waitFor(async () => pane!.exitCode() !== undefined, 45_000);
    const screen = pane.screen();
    expect(pane.exitCode()).toBe(0);
    expect(screen).toContain('→ Bash(echo after-pause)');
    expect(screen).toContain('all done');
    expect(screen).toMatch(/✔ completed in (?:\d+ms|[\d.]+s|\d+m\d{2}s) · 3 turns · [\d,]+ tokens/);
    // The spinner is gone once the task has ended.
    expect(screen).not.toContain('working…');
    // Colours on a terminal: the tool name and the outcome carry SGR sequences.
    expect(pane.screen(true)).toContain('\x1b[32m✔ completed');
  });

  it('Ctrl-C asks whether to interrupt; "y" interrupts and exits 5', async () => {
    pane = new TmuxCcs(['submit', pausingTask(60_000), '--tools', 'Bash', '--task-id', 'tty-stop', '--follow'], { CCS_URL: server.baseUrl });
    await screenShows(/⎿ before-pause[\s\S]*working…/);
    pane.keys('C-c');
    await screenShows(/Interrupt task tty-stop\? \[y\/N\]/);
    expect((await ccs.tasks.get('tty-stop')).status).toBe('running');
    pane.keys('y', 'Enter');
    await waitFor(async () => pane!.exitCode() !== undefined, 45_000);
    expect(pane.exitCode()).toBe(5);
    expect(pane.screen()).toMatch(/TASK_INTERRUPTED[\s\S]*■ interrupted/);
    expect((await ccs.tasks.get('tty-stop')).status).toBe('interrupted');
  });

  it('Ctrl-C then "n" leaves the task running and exits 130', async () => {
    await ccs.tasks.submit({ task_id: 'tty-detach', prompt: pausingTask(60_000), options: { allowed_tools: ['Bash'] } });
    pane = new TmuxCcs(['logs', 'tty-detach', '--follow'], { CCS_URL: server.baseUrl });
    await screenShows(/⎿ before-pause[\s\S]*working…/);
    pane.keys('C-c');
    await screenShows(/Interrupt task tty-detach\? \[y\/N\]/);
    pane.keys('n', 'Enter');
    await waitFor(async () => pane!.exitCode() !== undefined, 45_000);
    expect(pane.exitCode()).toBe(130);
    expect(pane.screen()).toContain('Task tty-detach keeps running; follow it again with: ccs logs tty-detach --follow');
    expect((await ccs.tasks.get('tty-detach')).status).toBe('running');
    await ccs.tasks.interrupt('tty-detach');
  });
});
