import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { MULTI_CONTENT } from '../../src/dev/scripted-model/builtin-scripts.js';
import { request, waitFor } from '../helpers/client.js';
import { prepareRecipeApp, RECIPE_UID, writableDir } from '../helpers/container-recipe.js';

const isRoot = process.getuid?.() === 0;

/** Runs a command as the recipe's unprivileged user, as `USER app` does in the image. */
const asRecipeUser = (command: string[]): string[] => ['--reuid', String(RECIPE_UID), '--regid', String(RECIPE_UID), '--clear-groups', ...command];

/** Every path under `dir` that changed after `since` (ms). */
/** Every path under `dir` with its mtime, to tell afterwards what the server changed. */
function mtimes(dir: string): Map<string, number> {
  const seen = new Map<string, number>();
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      seen.set(full, statSync(full).mtimeMs);
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return seen;
}

/** Paths added or modified since the `before` snapshot (compared by mtime, not by a clock, which preparing the app just touched). */
function changedSince(dir: string, before: Map<string, number>): string[] {
  return [...mtimes(dir)].filter(([file, mtime]) => before.get(file) !== mtime).map(([file]) => file);
}

/**
 * The Dockerfile's recipe without Docker: production dependencies only, the image's entrypoint
 * run as an unprivileged uid, a read-only application directory, and WORKSPACE_ROOT and DATA_DIR
 * as the only paths it owns. A task must run to completion there.
 */
describe.runIf(isRoot)('container recipe: read-only app, unprivileged uid, production dependencies', () => {
  let root: string;
  let app: string;
  let workspaces: string;
  let data: string;
  let model: ScriptedModel;
  let server: ChildProcess;
  let baseUrl: string;
  let stderr = '';
  let stdout = '';
  let appBefore: Map<string, number>;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'ccs-recipe-'));
    execFileSync('chmod', ['755', root]);
    app = prepareRecipeApp(root);
    workspaces = writableDir(path.join(root, 'workspace'));
    data = writableDir(path.join(root, 'data'));
    try {
      execFileSync('setpriv', asRecipeUser([process.execPath, '--version']), { stdio: 'pipe' });
    } catch (error) {
      throw new Error(`uid ${RECIPE_UID} cannot run ${process.execPath} (is node under a private directory such as /root?): ${String(error)}`);
    }
    model = await startScriptedModel();
    appBefore = mtimes(app);
    // The image's ENV and CMD (see Dockerfile), on loopback and a free port.
    server = spawn('setpriv', asRecipeUser([process.execPath, 'dist/src/cli/server-bin.js']), {
      cwd: app,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        // No home of its own to write to, as for `nobody`: everything must go to DATA_DIR.
        HOME: '/nonexistent',
        NODE_ENV: 'production',
        SERVER_HOST: '127.0.0.1',
        SERVER_PORT: '0',
        METRICS_PORT: '0',
        WORKSPACE_ROOT: workspaces,
        DATA_DIR: data,
        CLAUDE_API_KEY: 'recipe-test-key',
        CLAUDE_BASE_URL: model.url,
        // Isolation of the agent (another helper's work) may need adjusting here; pass it through.
        ...(process.env.AGENT_ISOLATION ? { AGENT_ISOLATION: process.env.AGENT_ISOLATION } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    server.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 30_000;
    let match: RegExpExecArray | null = null;
    while ((match = /listening on 127\.0\.0\.1:(\d+)/.exec(stderr)) === null) {
      if (server.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${stderr}\n${stdout}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    baseUrl = `http://127.0.0.1:${match[1]}`;
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGKILL');
      await new Promise((r) => server.once('exit', r));
    }
    await model?.close();
    // The server's output, for a failed run in CI.
    writeFileSync(path.join(tmpdir(), 'ccs-recipe-last-run.log'), `${stderr}\n${stdout}`);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('has only production dependencies, and the application directory is read-only to the server user', () => {
    expect(existsSync(path.join(app, 'node_modules', 'fastify'))).toBe(true);
    for (const dev of ['vitest', 'typescript', 'eslint', 'playwright-core']) expect(existsSync(path.join(app, 'node_modules', dev)), dev).toBe(false);
    expect(() => execFileSync('setpriv', asRecipeUser(['touch', path.join(app, 'probe')]), { stdio: 'pipe' })).toThrow();
    expect(() => execFileSync('setpriv', asRecipeUser(['touch', path.join(app, 'dist', 'probe')]), { stdio: 'pipe' })).toThrow();
    execFileSync('setpriv', asRecipeUser(['touch', path.join(data, 'probe')]));
  });

  it("resolves the package's typed client export (`claude-code-server/client`)", () => {
    // Self-reference through package.json `exports`, as a consumer of the installed package would.
    const script = "import('claude-code-server/client').then((m) => console.log(typeof m.CcsClient))";
    const out = execFileSync('setpriv', asRecipeUser([process.execPath, '--input-type=module', '-e', script]), { cwd: app, encoding: 'utf8' });
    expect(out.trim()).toBe('function');
  });

  it('prints where it listens and answers /health and the dashboard', async () => {
    expect(stderr).toMatch(/dashboard http:\/\/127\.0\.0\.1:\d+\/ui/);
    const health = await request(baseUrl, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('healthy');
    const page = await fetch(`${baseUrl}/ui`);
    expect(page.status).toBe(200);
    expect((await fetch(`${baseUrl}/ui/app.js`)).status).toBe(200);
  });

  it('runs a task to completion, writing only under WORKSPACE_ROOT and DATA_DIR', async () => {
    const submitted = await request(baseUrl, 'POST', '/api/v1/tasks', {
      task_id: 'recipe-1',
      prompt: '[[script:multi-tool]] write and show',
      workspace: 'project',
    });
    expect(submitted.status).toBe(201);
    // Once a second: the image's rate limit (100 requests a minute) is on here, as in production.
    const task = await waitFor(
      async () => {
        const { body } = await request(baseUrl, 'GET', '/api/v1/tasks/recipe-1');
        return ['completed', 'failed', 'interrupted', 'timed_out'].includes(String(body.status)) ? body : undefined;
      },
      50_000,
      1000,
    );
    expect(task.status, `${JSON.stringify(task.error)}\n${stdout.slice(-3000)}`).toBe('completed');
    expect(task.result).toContain(MULTI_CONTENT.trim());
    const written = path.join(workspaces, 'project', 'multi.txt');
    expect(statSync(written).uid).toBe(RECIPE_UID);
    // The store and the agent's transcripts live in DATA_DIR.
    expect(readdirSync(data).length).toBeGreaterThan(1);
    expect(changedSince(app, appBefore)).toEqual([]);
  });

  it('stops cleanly on SIGTERM, as `docker stop` sends', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
