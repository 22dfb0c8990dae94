import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitFor, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const OWNER_KEY = 'approver-key-3c9d1e77';
const OTHER_KEY = 'stranger-key-a81f20b4';
const sha = (key: string) => createHash('sha256').update(key).digest('hex');
const FINAL = ['completed', 'failed', 'interrupted', 'timed_out'];

function inlineScript(steps: unknown[]): string {
  return `[[script:${JSON.stringify({ steps })}]]`;
}
const bashStep = (command: string) => ({ tool: { name: 'Bash', input: { command } } });

interface Pending {
  request_id: string;
  tool_name: string;
  tool_use_id: string | null;
  input: Record<string, unknown>;
  expires_at: string;
}
interface Event {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

/**
 * The approval round-trip through the real CLI: a tool in require_approval does not run until
 * the client answers, and everything but an explicit allow (a deny, a timeout, an interrupt)
 * keeps it from running while the agent goes on.
 */
describe('approval round-trip (options.require_approval)', () => {
  let server: TestServer;
  const as = (key: string) => (method: string, p: string, body?: unknown) => request(server.baseUrl, method, p, body, { 'x-api-key': key });
  const owner = () => as(OWNER_KEY);

  beforeAll(async () => {
    const keysFile = path.join(process.env.TMPDIR ?? '/tmp', `ccs-approval-keys-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(
      keysFile,
      ['tenants:', '  - id: approver', `    key_sha256: [${sha(OWNER_KEY)}]`, '  - id: stranger', `    key_sha256: [${sha(OTHER_KEY)}]`].join('\n'),
    );
    server = await startTestServer({ API_AUTH_ENABLED: 'true', API_KEYS_FILE: keysFile, SESSION_MAX_CONCURRENT: '3', WARM_POOL_SIZE: '0' });
  });
  afterAll(async () => server?.close());

  async function submit(taskId: string, command: string, options: Record<string, unknown> = {}): Promise<void> {
    const submitted = await owner()('POST', '/api/v1/tasks', {
      task_id: taskId,
      prompt: inlineScript([bashStep(command), { text: 'finished after the Bash call' }]),
      options: { allowed_tools: ['Read', 'Bash'], require_approval: ['Bash'], ...options },
    });
    expect(submitted.status).toBe(201);
  }

  async function firstPending(taskId: string): Promise<Pending> {
    return waitFor(async () => {
      const task = await owner()('GET', `/api/v1/tasks/${taskId}`);
      return (task.body.pending_permissions as Pending[])[0];
    });
  }

  async function finished(taskId: string): Promise<{ task: Record<string, unknown>; events: Event[] }> {
    const task = await waitForStatus(server.baseUrl, taskId, FINAL, 60_000, { 'x-api-key': OWNER_KEY });
    const page = await owner()('GET', `/api/v1/tasks/${taskId}/events?format=json&limit=1000`);
    return { task, events: page.body.events as Event[] };
  }

  const ofType = (events: Event[], type: string) => events.filter((e) => e.type === type);

  it('runs the call once the client allows it, and records request and decision in the stream', async () => {
    await submit('approve-allow', 'echo approved > allowed.txt');
    const pending = await firstPending('approve-allow');
    expect(pending).toMatchObject({ tool_name: 'Bash', input: { command: 'echo approved > allowed.txt' } });
    // Held, not run: nothing was written while it waits.
    const held = await owner()('GET', '/api/v1/tasks/approve-allow');
    expect(existsSync(path.join(String(held.body.workspace), 'allowed.txt'))).toBe(false);

    const answered = await owner()('POST', `/api/v1/tasks/approve-allow/permissions/${pending.request_id}`, { decision: 'allow' });
    expect(answered).toMatchObject({ status: 200, body: { task_id: 'approve-allow', request_id: pending.request_id, decision: 'allow' } });
    // Answered once: a second answer is a conflict.
    const again = await owner()('POST', `/api/v1/tasks/approve-allow/permissions/${pending.request_id}`, { decision: 'deny' });
    expect(again.status).toBe(409);
    expect((again.body.error as { code: string }).code).toBe('PERMISSION_REQUEST_NOT_PENDING');

    const { task, events } = await finished('approve-allow');
    expect(task).toMatchObject({ status: 'completed', pending_permissions: [] });
    expect(readFileSync(path.join(String(task.workspace), 'allowed.txt'), 'utf8')).toBe('approved\n');
    const [requested] = ofType(events, 'permission_request');
    expect(requested?.data).toMatchObject({
      request_id: pending.request_id,
      tool_name: 'Bash',
      input: { command: 'echo approved > allowed.txt' },
      expires_at: pending.expires_at,
    });
    expect(ofType(events, 'permission_decision').map((e) => e.data)).toEqual([
      { request_id: pending.request_id, decision: 'allow', decided_by: 'client', message: null },
    ]);
    expect(ofType(events, 'tool_result')[0]?.data).toMatchObject({ is_error: false });
  });

  it('runs the call with the input the client gave instead (updated_input)', async () => {
    await submit('approve-edit', 'echo original > edited.txt');
    const pending = await firstPending('approve-edit');
    const answered = await owner()('POST', `/api/v1/tasks/approve-edit/permissions/${pending.request_id}`, {
      decision: 'allow',
      updated_input: { command: 'echo replaced > edited.txt' },
    });
    expect(answered.status).toBe(200);
    const { task } = await finished('approve-edit');
    expect(task.status).toBe('completed');
    expect(readFileSync(path.join(String(task.workspace), 'edited.txt'), 'utf8')).toBe('replaced\n');
  });

  it('refuses the call when denied: the agent gets the message as the tool error and goes on', async () => {
    await submit('approve-deny', 'echo nope > denied.txt');
    const pending = await firstPending('approve-deny');
    const answered = await owner()('POST', `/api/v1/tasks/approve-deny/permissions/${pending.request_id}`, { decision: 'deny', message: 'not on a Friday' });
    expect(answered.status).toBe(200);
    const { task, events } = await finished('approve-deny');
    expect(task.status).toBe('completed');
    expect(task.result).toBe('finished after the Bash call');
    expect(existsSync(path.join(String(task.workspace), 'denied.txt'))).toBe(false);
    const result = ofType(events, 'tool_result')[0]?.data as { is_error: boolean; content: string };
    expect(result.is_error).toBe(true);
    expect(result.content).toContain('not on a Friday');
    expect(ofType(events, 'permission_decision')[0]?.data).toMatchObject({ decision: 'deny', decided_by: 'client', message: 'not on a Friday' });
  });

  it('denies a request nobody answers within approval_timeout (fail-closed)', async () => {
    await submit('approve-timeout', 'echo late > late.txt', { approval_timeout: 1 });
    const { task, events } = await finished('approve-timeout');
    expect(task.status).toBe('completed');
    expect(existsSync(path.join(String(task.workspace), 'late.txt'))).toBe(false);
    expect(ofType(events, 'permission_decision')[0]?.data).toMatchObject({ decision: 'deny', decided_by: 'timeout' });
    expect((ofType(events, 'tool_result')[0]?.data as { is_error: boolean }).is_error).toBe(true);
    const requestId = String(ofType(events, 'permission_request')[0]?.data.request_id);
    const tooLate = await owner()('POST', `/api/v1/tasks/approve-timeout/permissions/${requestId}`, { decision: 'allow' });
    expect(tooLate.status).toBe(409);
  });

  it('denies what a task waits on when it is interrupted, and the call never runs', async () => {
    await submit('approve-interrupt', 'echo never > never.txt');
    const pending = await firstPending('approve-interrupt');
    const interrupted = await owner()('POST', '/api/v1/tasks/approve-interrupt/interrupt');
    expect(interrupted.status).toBe(200);
    const { task, events } = await finished('approve-interrupt');
    expect(task).toMatchObject({ status: 'interrupted', pending_permissions: [] });
    expect(existsSync(path.join(String(task.workspace), 'never.txt'))).toBe(false);
    expect(ofType(events, 'permission_decision')[0]?.data).toMatchObject({ request_id: pending.request_id, decision: 'deny', decided_by: 'task_ended' });
    const late = await owner()('POST', `/api/v1/tasks/approve-interrupt/permissions/${pending.request_id}`, { decision: 'allow' });
    expect(late.status).toBe(409);
  });

  it('checks answers: another tenant 404, bad body 400, unknown request 409', async () => {
    await submit('approve-checks', 'echo checked > checked.txt');
    const pending = await firstPending('approve-checks');
    const url = `/api/v1/tasks/approve-checks/permissions/${pending.request_id}`;

    const stranger = await as(OTHER_KEY)('POST', url, { decision: 'allow' });
    expect(stranger.status).toBe(404);
    expect((stranger.body.error as { code: string }).code).toBe('TASK_NOT_FOUND');
    // Not visible to another tenant's GET either.
    expect((await as(OTHER_KEY)('GET', '/api/v1/tasks/approve-checks')).status).toBe(404);

    for (const bad of [{}, { decision: 'maybe' }, { decision: 'allow', extra: 1 }, { decision: 'allow', updated_input: 'rm -rf /' }]) {
      const refused = await owner()('POST', url, bad);
      expect(refused.status).toBe(400);
      expect((refused.body.error as { code: string }).code).toBe('VALIDATION_ERROR');
    }
    const unknown = await owner()('POST', '/api/v1/tasks/approve-checks/permissions/perm_unknown', { decision: 'allow' });
    expect(unknown.status).toBe(409);

    // None of that answered it: still pending, and the stranger's "allow" did not run anything.
    expect((await firstPending('approve-checks')).request_id).toBe(pending.request_id);
    expect((await owner()('POST', url, { decision: 'deny' })).status).toBe(200);
    const { task } = await finished('approve-checks');
    expect(existsSync(path.join(String(task.workspace), 'checked.txt'))).toBe(false);
  });

  it('refuses require_approval naming a tool the task may not use, and a bad approval_timeout', async () => {
    const outside = await owner()('POST', '/api/v1/tasks', { prompt: 'x', options: { allowed_tools: ['Read'], require_approval: ['Bash'] } });
    expect(outside.status).toBe(400);
    expect(outside.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('Bash') });
    const badTimeout = await owner()('POST', '/api/v1/tasks', { prompt: 'x', options: { require_approval: ['Bash'], approval_timeout: 0 } });
    expect(badTimeout.status).toBe(400);
    // Default allowed_tools include Bash, so this one is accepted (and answered by its timeout).
    const defaults = await owner()('POST', '/api/v1/tasks', { task_id: 'approve-defaults', prompt: 'plain text', options: { require_approval: ['Bash'] } });
    expect(defaults.status).toBe(201);
    await finished('approve-defaults');
  });
});
