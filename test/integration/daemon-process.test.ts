import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { collectEvents, request } from '../helpers/client.js';
import { startDaemon, type DaemonProcess } from '../helpers/daemon-process.js';

const SECRET = 'canary-5f1d0c9e-server-secret';
const API_KEY = 'sk-ant-canary-4c2b7a-model-key';

describe('the daemon as a process (npm start)', () => {
  let model: ScriptedModel;
  let daemon: DaemonProcess;
  beforeAll(async () => {
    model = await startScriptedModel();
    daemon = await startDaemon({
      CLAUDE_API_KEY: API_KEY,
      CLAUDE_BASE_URL: model.url,
      DATABASE_PASSWORD: SECRET,
      AWS_SECRET_ACCESS_KEY: SECRET,
      SERVER_LOG_LEVEL: 'DEBUG',
    });
  });
  afterAll(async () => {
    await daemon?.stop('SIGKILL');
    await model?.close();
  });

  it('exits non-zero and says CLAUDE_API_KEY not set when there is no key', async () => {
    const bare = await startDaemon({}, { waitForListen: false });
    expect(await bare.exited).not.toBe(0);
    expect(bare.stderr()).toContain('CLAUDE_API_KEY not set');
  });

  it('reports every configuration problem in one message', async () => {
    const bad = await startDaemon({ SERVER_PORT: 'x', SESSION_MAX_CONCURRENT: 'lots' }, { waitForListen: false });
    expect(await bad.exited).not.toBe(0);
    for (const name of ['CLAUDE_API_KEY', 'SESSION_MAX_CONCURRENT']) expect(bad.stderr()).toContain(name);
  });

  it('keeps server secrets out of the agent’s environment', async () => {
    const { status } = await request(daemon.baseUrl, 'POST', '/api/v1/tasks', {
      task_id: 'env-probe',
      // The agent's own environment, then the server's start-up environment, read through /proc.
      prompt: '[[script:bash]] [[cmd:env; echo SERVER-ENV-FOLLOWS; tr "\\0" "\\n" < /proc/$(ps -o ppid= -p $PPID | tr -d " ")/environ; echo probe-done]]',
      options: { allowed_tools: ['Bash'] },
    });
    expect(status).toBe(201);
    const { events } = await collectEvents(`${daemon.wsBase}/ws/tasks/env-probe`);
    const output = events
      .filter((e) => e.type === 'tool_result')
      .map((e) => (e.data as { content: string }).content)
      .join('\n');
    expect(output).toContain('probe-done');
    expect(output).toContain('PATH=');
    const [agentEnv, serverEnv] = output.split('SERVER-ENV-FOLLOWS');
    expect(agentEnv).toContain('PATH=');
    expect(agentEnv).not.toContain('DATABASE_PASSWORD');
    expect(agentEnv).not.toContain('AWS_SECRET_ACCESS_KEY');
    expect(agentEnv).not.toContain('ANTHROPIC_API_KEY');
    // The agent's sandbox has no server process to read (test/security covers this in depth).
    expect(serverEnv).not.toContain('AWS_SECRET_ACCESS_KEY');
    expect(serverEnv).not.toContain('DATABASE_PASSWORD');
    expect(output).not.toContain(SECRET);
    expect(output).not.toContain(API_KEY);
    const { body: task } = await request(daemon.baseUrl, 'GET', '/api/v1/tasks/env-probe');
    expect(JSON.stringify(task)).not.toContain(SECRET);

    expect(events.at(-1)).toMatchObject({ type: 'complete', data: { status: 'completed' } });
    // ... while the CLI itself still authenticates with it (it gets the key on a pipe).
    const mainCalls = model.requests.filter((r) => r.kind === 'main');
    expect(mainCalls.length).toBeGreaterThan(0);
    expect(mainCalls.every((r) => r.headers.apiKey === API_KEY)).toBe(true);
  });

  it('writes seed-format JSON log lines with task_id, duration_ms and tokens_used, and no secrets', () => {
    const lines = daemon
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const line of lines) {
      expect(Object.keys(line).slice(0, 4)).toEqual(['timestamp', 'level', 'logger', 'message']);
      expect(['DEBUG', 'INFO', 'WARN', 'ERROR']).toContain(line.level);
      expect(String(line.logger)).toMatch(/^claude_code_server/);
    }
    const completed = lines.find((l) => l.message === 'Task completed' && l.task_id === 'env-probe');
    expect(completed).toMatchObject({ level: 'INFO', task_id: 'env-probe', duration_ms: expect.any(Number), tokens_used: expect.any(Number) });
    expect(lines.filter((l) => l.task_id === 'env-probe').map((l) => l.message)).toEqual(
      expect.arrayContaining(['Task submitted', 'Task started', 'Task completed']),
    );
    expect(daemon.stdout()).not.toContain(SECRET);
    expect(daemon.stdout()).not.toContain(API_KEY);
  });

  it('shares its DATA_DIR safely: a second SQLite store is refused in one line; a memory-backed server runs beside it without touching its agents', async () => {
    // Same working directory, so the same ./data.
    const env = { CLAUDE_API_KEY: API_KEY, CLAUDE_BASE_URL: model.url };
    const second = await startDaemon(env, { dir: daemon.dir, waitForListen: false });
    expect(await second.exited).toBe(2);
    const lines = second.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^The SQLite database \S+\/data\/claude-code-server\.db is in use by another running server: give each instance its own STORAGE_SQLITE_PATH$/,
    );

    const beside = await startDaemon({ ...env, STORAGE_TYPE: 'memory' }, { dir: daemon.dir });
    try {
      expect(readdirSync(path.join(daemon.dir, 'data', 'instances')).sort()).toEqual(expect.arrayContaining(['0', '1']));
      // The first server's spare (its home under instances/0) survived the newcomer's start.
      // Both servers run their task at the same time.
      await Promise.all(
        (
          [
            [daemon, 'after-neighbour'],
            [beside, 'neighbour-task'],
          ] as const
        ).map(async ([server, taskId]) => {
          const submitted = await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: taskId, prompt: '[[script:write-file]] go' });
          expect(submitted.status).toBe(201);
          const { events } = await collectEvents(`${server.wsBase}/ws/tasks/${taskId}`);
          expect(events.at(-1), taskId).toMatchObject({ type: 'complete', data: { status: 'completed' } });
        }),
      );
    } finally {
      await beside.stop('SIGTERM');
    }
  });

  it('stops on SIGTERM with exit code 0', async () => {
    expect(await daemon.stop('SIGTERM')).toBe(0);
    expect(daemon.stdout()).toContain('Server stopped');
  });

  it('on SIGTERM right after start, waits for its spare agent process: none is left running, no agent home is left behind', async () => {
    // Three rounds at once: each daemon is signalled right after its own start.
    const rounds = Array.from({ length: 3 }, async () => {
      const quick = await startDaemon({ CLAUDE_API_KEY: API_KEY, CLAUDE_BASE_URL: model.url, STORAGE_TYPE: 'memory' });
      // The spare is still starting when the signal comes (a CLI start takes about a second).
      expect(await quick.stop('SIGTERM')).toBe(0);
      const slots = path.join(quick.dir, 'data', 'instances');
      expect(readdirSync(slots)).toContain('0');
      expect(readdirSync(slots, { recursive: true }).filter((entry) => String(entry).includes(`agent-homes${path.sep}`))).toEqual([]);
      expect(processesMentioning(quick.dir)).toEqual([]);
    });
    await Promise.all(rounds);
  }, 60_000);

  it('still exits on SIGTERM when nobody reads its log output (a stalled pipe does not hold it forever)', async () => {
    // No spare: its start would only add a CLI start to a test about the log pipe.
    const stalled = await startDaemon({
      CLAUDE_API_KEY: API_KEY,
      CLAUDE_BASE_URL: model.url,
      SERVER_LOG_LEVEL: 'DEBUG',
      STORAGE_TYPE: 'memory',
      WARM_POOL_SIZE: '0',
    });
    try {
      stalled.child.stdout!.pause();
      // Far more log lines than a pipe holds (64 KiB): every request logs at DEBUG.
      // Sent 15 at a time (1500 in all).
      for (let i = 0; i < 1500; i += 15) {
        await Promise.all(Array.from({ length: 15 }, () => fetch(`${stalled.baseUrl}/health/${'x'.repeat(100)}`).catch(() => undefined)));
      }
      const started = Date.now();
      stalled.child.kill('SIGTERM');
      const code = await Promise.race([stalled.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
      expect(code).not.toBe('hung');
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await stalled.stop('SIGKILL');
    }
  }, 60_000);
});

/** Live processes whose environment names `dir` (an agent's HOME and config dir lie under it). */
function processesMentioning(dir: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(dir);
      } catch {
        return false; // gone meanwhile, or a zombie
      }
    })
    .map((pid) => `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ')}`);
}
