import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costUsd, EMPTY_USAGE } from '../../src/model-proxy/model-prices.js';
import { request, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * Forked sessions through the real server, SDK and CLI: the fork remembers its source's
 * conversation up to the fork point and not after it, the source is untouched, and the fork's
 * workspace is a copy made as the tenant (symlinks copied as links, never followed).
 */
describe('forked sessions (real SDK and CLI)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  const submit = (body: Record<string, unknown>) => request(server.baseUrl, 'POST', '/api/v1/tasks', body);
  const fork = (sessionId: string, body?: Record<string, unknown>) => request(server.baseUrl, 'POST', `/api/v1/sessions/${sessionId}/fork`, body);
  const run = async (body: Record<string, unknown>) => {
    expect((await submit(body)).status).toBe(201);
    return waitForStatus(server.baseUrl, String(body.task_id), ['completed', 'failed', 'interrupted', 'timed_out']);
  };
  const recallIn = (taskId: string, sessionId: string) =>
    run({ task_id: taskId, prompt: '[[script:recall]] what did I ask you to remember?', session: { reuse_existing: true, session_id: sessionId } });

  it('continues the conversation as of the end of the chosen task, and leaves the source untouched', async () => {
    const apple = await run({ task_id: 'fruit-1', prompt: '[[script:remember]] remember apple' });
    expect(apple.status).toBe('completed');
    const banana = await run({
      task_id: 'fruit-2',
      prompt: '[[script:remember]] remember banana',
      session: { reuse_existing: true, session_id: 'session-fruit-1' },
    });
    expect(banana.status).toBe('completed');

    const forked = await fork('session-fruit-1', { session_id: 'fruit-fork', at_task_id: 'fruit-1' });
    expect(forked.status).toBe(201);
    expect(forked.body).toMatchObject({
      session_id: 'fruit-fork',
      status: 'idle',
      task_count: 0,
      forked_from: { session_id: 'session-fruit-1', task_id: 'fruit-1' },
      claude_session_id: expect.any(String),
    });
    expect(forked.body.workspace).toBe(path.join(server.workspaceRoot, 'fruit-fork'));
    expect((await request(server.baseUrl, 'GET', '/api/v1/sessions/fruit-fork')).body).toEqual(forked.body);

    const callsBefore = server.model.requests.length;
    const inFork = await recallIn('fruit-fork-recall', 'fruit-fork');
    // The fork's first task costs what its own model calls were billed, nothing carried over from the source.
    const billed = server.model.requests
      .slice(callsBefore)
      .reduce((sum, r) => sum + (r.billed ? costUsd(r.billed.model, { ...EMPTY_USAGE, ...r.billed.usage }) : 0), 0);
    expect(Number(inFork.cost_usd)).toBeGreaterThan(0);
    expect(Number(inFork.cost_usd)).toBeCloseTo(billed, 6);
    expect(inFork).toMatchObject({ status: 'completed', session_id: 'fruit-fork', workspace: forked.body.workspace });
    expect(inFork.result).toContain('remember apple');
    expect(inFork.result).not.toContain('banana');

    const inSource = await recallIn('fruit-source-recall', 'session-fruit-1');
    expect(inSource.result).toContain('remember banana');
    const source = (await request(server.baseUrl, 'GET', '/api/v1/sessions/session-fruit-1')).body;
    expect(source).toMatchObject({ task_count: 3, forked_from: null, workspace: apple.workspace });
  });

  it('forks at the latest finished task by default, and shares the workspace when asked', async () => {
    const forked = await fork('session-fruit-1', { copy_workspace: false });
    expect(forked.status).toBe(201);
    expect(forked.body.session_id).toMatch(/^session-fruit-1-fork-[0-9a-f]{8}$/);
    expect(forked.body.workspace).toBe((await request(server.baseUrl, 'GET', '/api/v1/sessions/session-fruit-1')).body.workspace);
    // The latest finished task of the source is the recall after the fork above; it recalled banana.
    expect(forked.body.forked_from).toEqual({ session_id: 'session-fruit-1', task_id: 'fruit-source-recall' });
    const recalled = await recallIn('fruit-shared-recall', String(forked.body.session_id));
    expect(recalled.result).toContain('remember banana');
  });

  it('copies the workspace, .git and all, into a new one the fork owns', async () => {
    const wrote = await run({ task_id: 'copy-1', prompt: '[[script:write-file]]', workspace: 'copy-src' });
    expect(wrote.status).toBe('completed');
    const source = String(wrote.workspace);
    const git = await run({
      task_id: 'copy-2',
      prompt: '[[script:bash]][[cmd:git init -q && git add -A && git -c user.email=a@b -c user.name=a commit -qm one && echo committed]]',
      session: { reuse_existing: true, session_id: 'session-copy-1' },
    });
    expect(git.result).toContain('committed');

    const forked = await fork('session-copy-1', { workspace: 'copy-dst' });
    expect(forked.status).toBe(201);
    const target = String(forked.body.workspace);
    expect(target).toBe(path.join(server.workspaceRoot, 'copy-dst'));
    expect(readdirSync(target).sort()).toEqual(readdirSync(source).sort());
    expect(existsSync(path.join(target, '.git', 'HEAD'))).toBe(true);
    expect(lstatSync(path.join(target, 'hello.txt')).uid).toBe(lstatSync(path.join(source, 'hello.txt')).uid);

    // The fork's agent works in its copy: git there sees the same history, and a change stays in the copy.
    const log = await run({
      task_id: 'copy-3',
      prompt: '[[script:bash]][[cmd:git log --oneline | wc -l && echo changed > hello.txt && git status --porcelain]]',
      session: { reuse_existing: true, session_id: String(forked.body.session_id) },
    });
    expect(log).toMatchObject({ status: 'completed', workspace: target });
    expect(log.changed_files).toEqual([expect.objectContaining({ path: 'hello.txt', change: 'modified' })]);
    expect(readFileSync(path.join(source, 'hello.txt'), 'utf8')).not.toContain('changed');
  });

  it('copies a symlink out of the workspace as a link, never what it points at', async () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'ccs-fork-outside-'));
    writeFileSync(path.join(outside, 'secret.txt'), 'host secret\n');
    const done = await run({ task_id: 'link-1', prompt: '[[script:write-file]]', workspace: 'link-src' });
    const source = String(done.workspace);
    symlinkSync(path.join(outside, 'secret.txt'), path.join(source, 'secret-file'));
    symlinkSync(outside, path.join(source, 'secret-dir'));
    symlinkSync('/etc', path.join(source, 'etc'));

    const forked = await fork('session-link-1', { workspace: 'link-dst' });
    expect(forked.status).toBe(201);
    const target = String(forked.body.workspace);
    for (const name of ['secret-file', 'secret-dir', 'etc']) {
      expect(lstatSync(path.join(target, name)).isSymbolicLink()).toBe(true);
      expect(readlinkSync(path.join(target, name))).toBe(readlinkSync(path.join(source, name)));
    }
    // Nothing was written through the links: the outside directory holds only what it held.
    expect(readdirSync(outside)).toEqual(['secret.txt']);
  });

  it('refuses a fork workspace that leads out of the tree, holds files, or overlaps the source', async () => {
    const sessionNames = async () =>
      ((await request(server.baseUrl, 'GET', '/api/v1/sessions')).body.sessions as { session_id: string }[]).map((s) => s.session_id);
    const before = await sessionNames();
    const outside = mkdtempSync(path.join(tmpdir(), 'ccs-fork-escape-'));
    symlinkSync(outside, path.join(server.workspaceRoot, 'escape'));
    const escaped = await fork('session-link-1', { workspace: 'escape' });
    expect(escaped.status).toBe(400);
    expect((escaped.body.error as { code: string }).code).toBe('WORKSPACE_OUTSIDE_ROOT');
    const nested = await fork('session-link-1', { workspace: 'escape/inner' });
    expect(nested.status).toBe(400);
    expect(readdirSync(outside)).toEqual([]);

    mkdirSync(path.join(server.workspaceRoot, 'busy-dst'));
    writeFileSync(path.join(server.workspaceRoot, 'busy-dst', 'mine.txt'), 'keep me');
    const busy = await fork('session-link-1', { workspace: 'busy-dst' });
    expect(busy.status).toBe(409);
    expect((busy.body.error as { code: string }).code).toBe('WORKSPACE_NOT_EMPTY');
    expect(readdirSync(path.join(server.workspaceRoot, 'busy-dst'))).toEqual(['mine.txt']);

    for (const workspace of ['link-src', 'link-src/sub', '.']) {
      const overlap = await fork('session-link-1', { workspace });
      expect(overlap.status, workspace).toBe(400);
      expect((overlap.body.error as { code: string }).code).toBe('WORKSPACE_INVALID');
    }
    // None of the refused forks was created.
    expect(await sessionNames()).toEqual(before);
  });

  it('answers each bad fork with its own code', async () => {
    const code = async (sessionId: string, body: Record<string, unknown> | undefined, status: number) => {
      const answer = await fork(sessionId, body);
      expect(answer.status, JSON.stringify(answer.body)).toBe(status);
      return (answer.body.error as { code: string }).code;
    };
    expect(await code('no-such-session', {}, 404)).toBe('SESSION_NOT_FOUND');
    expect(await code('session-fruit-1', { at_task_id: 'no-such-task' }, 404)).toBe('TASK_NOT_FOUND');
    expect(await code('session-fruit-1', { at_task_id: 'copy-1' }, 400)).toBe('TASK_NOT_IN_SESSION');
    expect(await code('session-fruit-1', { session_id: 'fruit-fork' }, 409)).toBe('SESSION_ALREADY_EXISTS');
    expect(await code('session-fruit-1', { at_task_id: 'fruit-1', colour: 'red' }, 400)).toBe('VALIDATION_ERROR');
    expect(await code('session-fruit-1', { session_id: 'bad id!' }, 400)).toBe('VALIDATION_ERROR');

    // A running task blocks a fork at itself, not one at an earlier finished task.
    expect((await submit({ task_id: 'fruit-slow', prompt: '[[script:slow]]', session: { reuse_existing: true, session_id: 'session-fruit-1' } })).status).toBe(
      201,
    );
    await waitForStatus(server.baseUrl, 'fruit-slow', ['running']);
    expect(await code('session-fruit-1', { at_task_id: 'fruit-slow' }, 409)).toBe('TASK_NOT_FINISHED');
    const earlier = await fork('session-fruit-1', { at_task_id: 'fruit-2', copy_workspace: false });
    expect(earlier.status).toBe(201);
    expect(earlier.body.forked_from).toEqual({ session_id: 'session-fruit-1', task_id: 'fruit-2' });

    // A session whose only task has not finished has nothing to fork yet.
    expect((await submit({ task_id: 'lonely-slow', prompt: '[[script:slow]]' })).status).toBe(201);
    expect(await code('session-lonely-slow', {}, 409)).toBe('NOTHING_TO_FORK');
    await request(server.baseUrl, 'POST', '/api/v1/tasks/fruit-slow/interrupt');
    await request(server.baseUrl, 'POST', '/api/v1/tasks/lonely-slow/interrupt');
    await waitForStatus(server.baseUrl, 'lonely-slow', ['interrupted', 'completed']);
  });

  it('takes a fork without a body', async () => {
    const answer = await request(server.baseUrl, 'POST', '/api/v1/sessions/session-fruit-1/fork');
    expect(answer.status).toBe(201);
    expect(answer.body.forked_from).toMatchObject({ session_id: 'session-fruit-1' });
  });
});
