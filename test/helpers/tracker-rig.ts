import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { AgentSandbox } from '../../src/agent/isolation/agent-sandbox.js';
import { ChangeTracker } from '../../src/changes/change-tracker.js';
import { createLogger } from '../../src/observability/logger.js';
import { scratchSandbox } from './scratch-sandbox.js';

/** A change tracker over tenant alpha's real sandbox (as root), and workspaces handed to alpha's uid. */
export interface TrackerRig {
  root: string;
  changesDir: string;
  tracker: ChangeTracker;
  sandbox: AgentSandbox;
  uid: number;
  /** A name not used before in this rig. */
  unique(prefix: string): string;
  /** A workspace seeded as root, then handed to the tenant as the agent's process start would. */
  workspace(files: Record<string, string>, setup?: (ws: string) => void, parent?: string): string;
  /** One task: its baseline, `change`, then its finish's report. */
  track(ws: string, change: () => void): ReturnType<NonNullable<Awaited<ReturnType<ChangeTracker['begin']>>>['finish']>;
  close(): Promise<void>;
}

export async function startTrackerRig(): Promise<TrackerRig> {
  const { dir, sandbox } = await scratchSandbox('ccs-change-tracker-', [{ id: 'alpha', workspaceDir: 'alpha' }], { isRoot: true, uidBase: 232000 });
  const user = sandbox.identityFor('alpha').user;
  const uid = user?.kind === 'uid' ? user.uid : -1;
  const root = path.join(dir, 'workspaces', 'alpha');
  const changesDir = path.join(dir, 'data', 'changes');
  // Pruned as soon as a task ends (the server waits a little, so a session's next task does not queue behind it).
  const tracker = new ChangeTracker(sandbox, changesDir, createLogger({ level: 'ERROR', sink: () => undefined }), 0);
  let n = 0;
  const unique = (prefix: string) => `${prefix}${n++}`;
  return {
    root,
    changesDir,
    tracker,
    sandbox,
    uid,
    unique,
    workspace: (files, setup, parent = root) => {
      const ws = path.join(parent, unique('ws'));
      for (const [name, content] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(ws, name)), { recursive: true });
        writeFileSync(path.join(ws, name), content);
      }
      setup?.(ws);
      execFileSync('chown', ['-R', `${uid}:${uid}`, root]);
      return ws;
    },
    track: async (ws, change) => {
      const baseline = await tracker.begin(unique('task-'), ws, 'alpha');
      expect(baseline).not.toBeNull();
      change();
      return baseline!.finish();
    },
    close: async () => {
      await tracker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
