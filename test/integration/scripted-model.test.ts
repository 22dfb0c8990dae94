/**
 * Drives the REAL Claude Code CLI (through the real Agent SDK) against the scripted model, so
 * tools actually run offline. Each query spawns the CLI and takes ~1 s.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { query, type SDKMessage, type SDKResultMessage } from '@anthropic-ai/claude-agent-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELLO_CONTENT, HELLO_FILE, MULTI_CONTENT, MULTI_FILE, startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';

const TIMEOUT = { timeout: 60_000 };

let model: ScriptedModel;
const tmpRoots: string[] = [];

beforeAll(async () => {
  model = await startScriptedModel();
});

afterAll(async () => {
  await model.close();
  await Promise.all(tmpRoots.map((dir) => rm(dir, { recursive: true, force: true })));
});

interface Sandbox {
  readonly root: string;
  readonly cwd: string;
}

async function sandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'scripted-model-'));
  tmpRoots.push(root);
  const cwd = join(root, 'work');
  await mkdir(cwd);
  await mkdir(join(root, 'config'));
  return { root, cwd };
}

interface Run {
  readonly messages: SDKMessage[];
  readonly result: SDKResultMessage | undefined;
  /** query() throws after yielding an error result (e.g. an API error). */
  readonly thrown: unknown;
}

async function run(box: Sandbox, prompt: string, extra: { resume?: string; interruptWhen?: () => boolean } = {}): Promise<Run> {
  const q = query({
    prompt,
    options: {
      cwd: box.cwd,
      // options.env replaces the child's whole environment, so the CLI gets exactly this.
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: box.root,
        ANTHROPIC_BASE_URL: model.url,
        ANTHROPIC_API_KEY: 'test-key',
        CLAUDE_CONFIG_DIR: join(box.root, 'config'),
      },
      // bypassPermissions is refused when running as root; acceptEdits + allowedTools is enough.
      permissionMode: 'acceptEdits',
      allowedTools: ['Read', 'Write', 'Edit', 'Bash'],
      ...(extra.resume === undefined ? {} : { resume: extra.resume }),
    },
  });
  // Interrupt on a condition, not after a fixed time: on a loaded machine the CLI may not have asked the model yet.
  const interruptWhen = extra.interruptWhen;
  const timer =
    interruptWhen === undefined
      ? undefined
      : setInterval(() => {
          if (!interruptWhen()) return;
          clearInterval(timer);
          void q.interrupt();
        }, 50);
  const messages: SDKMessage[] = [];
  let thrown: unknown;
  try {
    for await (const message of q) messages.push(message);
  } catch (err) {
    thrown = err;
  } finally {
    clearInterval(timer);
  }
  const result = messages.find((m): m is SDKResultMessage => m.type === 'result');
  return { messages, result, thrown };
}

function resultText(run: Run): string {
  return run.result?.subtype === 'success' ? run.result.result : '';
}

function requestsOf(sessionId: string | undefined) {
  return model.requests.filter((r) => r.kind === 'main' && r.headers.sessionId === sessionId);
}

describe('scripted model with the real Claude Code CLI', () => {
  it('write-file: the CLI really writes the file, and usage/cost are reported', TIMEOUT, async () => {
    const box = await sandbox();
    const out = await run(box, '[[script:write-file]] please');
    expect(out.thrown).toBeUndefined();
    expect(out.result).toMatchObject({ subtype: 'success', is_error: false, result: `I wrote ${HELLO_FILE}.` });
    expect(await readFile(join(box.cwd, HELLO_FILE), 'utf8')).toBe(HELLO_CONTENT);
    expect(out.result?.usage.input_tokens).toBeGreaterThan(100);
    expect(out.result?.usage.output_tokens).toBeGreaterThan(0);
    expect(out.result?.total_cost_usd).toBeGreaterThan(0);
    const main = requestsOf(out.result?.session_id);
    expect(main.map((r) => [r.script, r.turn, r.outcome])).toEqual([
      ['write-file', 0, 'tool_use:Write'],
      ['write-file', 1, 'text'],
    ]);
    expect(main[0]?.headers.apiKey).toBe('test-key');
  });

  it('bash: runs the command from [[cmd:...]] and quotes its output', TIMEOUT, async () => {
    const box = await sandbox();
    const out = await run(box, '[[script:bash]] [[cmd:echo "answer=$((6*7))" && pwd]]');
    expect(out.result?.is_error).toBe(false);
    expect(resultText(out)).toContain('answer=42');
    expect(resultText(out)).toContain(box.cwd);
  });

  it('multi-tool and edit-file: several tool rounds in one task', TIMEOUT, async () => {
    const box = await sandbox();
    const multi = await run(box, '[[script:multi-tool]]');
    expect(resultText(multi)).toBe(`The file says: ${MULTI_CONTENT.trim()}`);
    expect(await readFile(join(box.cwd, MULTI_FILE), 'utf8')).toBe(MULTI_CONTENT);
    await run(box, '[[script:write-file]]');
    const edit = await run(box, '[[script:edit-file]] [[old:hello]] [[new:goodbye]]');
    expect(resultText(edit)).toContain('updated successfully');
    expect(await readFile(join(box.cwd, HELLO_FILE), 'utf8')).toBe(HELLO_CONTENT.replace('hello', 'goodbye'));
  });

  it('default script: "create <file>" writes it; other prompts are echoed', TIMEOUT, async () => {
    const box = await sandbox();
    await run(box, 'create notes.md please');
    expect(await readFile(join(box.cwd, 'notes.md'), 'utf8')).toContain('scripted model');
    expect(resultText(await run(box, 'Just saying hi'))).toBe('Scripted reply to: Just saying hi');
  });

  it('inline JSON script, with "]]" inside its text', TIMEOUT, async () => {
    const box = await sandbox();
    const steps = [{ text: 'Checking ]] first.', tool: { name: 'Bash', input: { command: 'echo inline-ran' } } }, { text: 'Inline done.' }];
    const out = await run(box, `[[script:${JSON.stringify({ steps })}]]`);
    expect(resultText(out)).toBe('Inline done.');
    const toolResult = JSON.stringify(requestsOf(out.result?.session_id).at(-1)?.body);
    expect(toolResult).toContain('inline-ran');
  });

  // query() yields the error result, then throws "Claude Code returned an error result: API Error: 400 ...".
  it('api-error: ends fast with an error result, then query() throws', TIMEOUT, async () => {
    const box = await sandbox();
    const started = Date.now();
    const out = await run(box, '[[script:api-error]]');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(out.result).toMatchObject({ is_error: true });
    expect(out.result?.subtype === 'success' && out.result.result).toContain('Scripted invalid request');
    expect(String(out.thrown)).toMatch(/API Error: 400 Scripted invalid request/);
  });

  it('auth-error (401): x-should-retry false stops the CLI retrying with back-off', TIMEOUT, async () => {
    const box = await sandbox();
    const started = Date.now();
    const out = await run(box, '[[script:auth-error]]');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(out.result?.is_error).toBe(true);
    expect(requestsOf(out.result?.session_id)).toHaveLength(1);
  });

  it('resume: recall finds what the first query said, so the history is sent', TIMEOUT, async () => {
    const box = await sandbox();
    const first = await run(box, '[[script:remember]] Please remember banana.');
    expect(resultText(first)).toBe('OK, I will remember banana');
    const sessionId = first.result?.session_id;
    expect(sessionId).toBeTruthy();
    const second = await run(box, 'What was it? [[script:recall]]', { resume: sessionId });
    expect(resultText(second)).toBe('You told me to remember banana');
  });

  // interrupt() makes the CLI drop the request, yield an error_during_execution result, and
  // query() then throws "Claude Code returned an error result: [ede_diagnostic] ...".
  it('slow: an interrupt closes the stream and the query ends without waiting 30 s', TIMEOUT, async () => {
    const box = await sandbox();
    const started = Date.now();
    const asked = model.requests.length;
    const out = await run(box, '[[script:slow]]', { interruptWhen: () => model.requests.slice(asked).some((r) => r.script === 'slow') });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(out.result?.is_error).toBe(true);
    expect(requestsOf(out.result?.session_id).map((r) => r.script)).toEqual(['slow']);
    // Give the server a moment to see the socket close.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(model.httpLog.some((e) => e.path.startsWith('/v1/messages') && !e.completed)).toBe(true);
  });
});

describe('scripted model over plain HTTP', () => {
  async function post(path: string, body: unknown): Promise<{ status: number; json: unknown; headers: Headers }> {
    const res = await fetch(model.url + path, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, json: await res.json(), headers: res.headers };
  }

  it('answers side requests (no tools) with schema-shaped JSON, without using a step', async () => {
    const res = await post('/v1/messages', {
      model: 'm',
      messages: [{ role: 'user', content: '[[script:api-error]]' }],
      tools: [],
      output_config: { format: { type: 'json_schema', schema: { type: 'object', properties: { title: { type: 'string' } } } } },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ stop_reason: 'end_turn', content: [{ type: 'text', text: '{"title":"Scripted model session"}' }] });
  });

  it('rejects unknown scripts and bad inline scripts with a 400 that names the problem', async () => {
    const tools = [{ name: 'Bash', input_schema: {} }];
    const unknown = await post('/v1/messages', { model: 'm', messages: [{ role: 'user', content: '[[script:nope]]' }], tools });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('x-should-retry')).toBe('false');
    expect(JSON.stringify(unknown.json)).toContain('unknown script \\"nope\\"');
    const bad = await post('/v1/messages', { model: 'm', messages: [{ role: 'user', content: '[[script:{"steps":[{}]}]]' }], tools });
    expect(bad.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('counts tokens, says hello, and 404s unknown paths Anthropic-style', async () => {
    const count = await post('/v1/messages/count_tokens', { model: 'm', messages: [{ role: 'user', content: 'hello' }] });
    expect(count.json).toMatchObject({ input_tokens: expect.any(Number) });
    expect((await fetch(`${model.url}/api/hello`, { method: 'HEAD' })).status).toBe(200);
    const missing = await fetch(`${model.url}/v1/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});
