/**
 * The daemon, tenants and hog scripts shared by the resource-limit attacks (limits.test.ts) and
 * the storm latency measurement (storm-latency.test.ts).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request, waitForStatus } from '../helpers/client.js';
import { handOver, startDaemon, type DaemonProcess } from '../helpers/daemon-process.js';

const HOGS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'limits-hogs.mjs');
const sha = (key: string) => createHash('sha256').update(key).digest('hex');
export const KEYS = { alpha: 'alpha-key-limits-3c9a1b2d0f', beta: 'beta-key-limits-8d2e4f6a5b', gamma: 'gamma-key-limits-1e7c3b9d4a' };
const TERMINAL = ['completed', 'failed', 'interrupted', 'timed_out'];
export const LIMITS_ENV = { AGENT_MEMORY_MAX: '512M', AGENT_PIDS_MAX: '64', AGENT_TMP_SIZE: '32M' };
// The CLI keeps the Bash tool's output under /tmp as well: the filler logs to the workspace and cleans up before it prints.
export const FILL_TMP = '{ dd if=/dev/zero of=/tmp/fill bs=1M count=2048; ls -l /tmp/fill; } > fill.log 2>&1; rm -f /tmp/fill; cat fill.log';

export interface Harness {
  daemon: DaemonProcess;
  workspaceRoot: string;
  run(tenant: keyof typeof KEYS, taskId: string, prompt: string, workspace: string, extra?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Submits without waiting; `finished` then polls until the task ends. */
  submit(tenant: keyof typeof KEYS, taskId: string, prompt: string, workspace: string, extra?: Record<string, unknown>): Promise<void>;
  finished(tenant: keyof typeof KEYS, taskId: string): Promise<Record<string, unknown>>;
  events(tenant: keyof typeof KEYS, taskId: string): Promise<Array<{ type: string; data: Record<string, unknown> }>>;
}

export async function startHarness(model: ScriptedModel, dir: string, env: Record<string, string>, asUser?: number): Promise<Harness> {
  const workspaceRoot = path.join(dir, 'workspaces');
  const dataDir = path.join(dir, 'data');
  const keysFile = path.join(dir, 'keys.yaml');
  writeFileSync(
    keysFile,
    [
      'tenants:',
      ...['alpha', 'beta'].map((id) => `  - id: ${id}\n    key_sha256: [${sha(KEYS[id as keyof typeof KEYS])}]`),
      // gamma's sandbox is too small for the CLI itself: a hog there kills the agent process.
      `  - id: gamma\n    key_sha256: [${sha(KEYS.gamma)}]\n    limits: { memory_max: 300M, tmp_size: 1G }`,
    ].join('\n'),
  );
  if (asUser !== undefined) handOver(asUser, workspaceRoot, dataDir);
  const daemon = await startDaemon(
    {
      CLAUDE_API_KEY: 'sk-ant-limits-test',
      CLAUDE_BASE_URL: model.url,
      WORKSPACE_ROOT: workspaceRoot,
      DATA_DIR: dataDir,
      API_AUTH_ENABLED: 'true',
      API_KEYS_FILE: keysFile,
      API_RATE_LIMIT_ENABLED: 'false',
      SESSION_MAX_CONCURRENT: '6',
      WARM_POOL_SIZE: '0',
      ...env,
    },
    asUser === undefined ? {} : { asUser },
  );
  const as = (tenant: keyof typeof KEYS) => (method: string, p: string, body?: unknown) =>
    request(daemon.baseUrl, method, p, body, { 'x-api-key': KEYS[tenant] });
  const submit: Harness['submit'] = async (tenant, taskId, prompt, workspace, extra = {}) => {
    const submitted = await as(tenant)('POST', '/api/v1/tasks', { task_id: taskId, prompt, workspace, options: { timeout: 120 }, ...extra });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
  };
  const finished: Harness['finished'] = (tenant, taskId) => waitForStatus(daemon.baseUrl, taskId, TERMINAL, 150_000, { 'x-api-key': KEYS[tenant] });
  return {
    daemon,
    workspaceRoot,
    submit,
    finished,
    run: async (tenant, taskId, prompt, workspace, extra = {}) => {
      await submit(tenant, taskId, prompt, workspace, extra);
      return finished(tenant, taskId);
    },
    events: async (tenant, taskId) => {
      const { body } = await as(tenant)('GET', `/api/v1/tasks/${taskId}/events?format=json&limit=1000`);
      return body.events as Array<{ type: string; data: Record<string, unknown> }>;
    },
  };
}

/** Puts the hog script into a tenant's workspace (created by the test, handed to the agent's uid by the server). */
export function placeHogs(h: Harness, tenant: string, workspace: string, uid?: number): void {
  const dir = path.join(h.workspaceRoot, tenant, workspace);
  mkdirSync(dir, { recursive: true });
  copyFileSync(HOGS, path.join(dir, 'limits-hogs.mjs'));
  if (uid !== undefined) handOver(uid, dir);
}

/** What the Bash tool printed, all tool results of a task joined. */
export function toolOutput(events: Array<{ type: string; data: Record<string, unknown> }>): string {
  return events
    .filter((e) => e.type === 'tool_result')
    .map((e) => String(e.data.content))
    .join('\n');
}
