/**
 * ChangeTracker with the real sandbox (bubblewrap, the tenant's own uid): what it reports for
 * workspaces git itself would get wrong (nested repositories, a `.git` file, a repository
 * above the workspace), the limits, and the shadow repository it keeps.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSandbox } from '../../src/agent/isolation/agent-sandbox.js';
import type { ChangeTracker } from '../../src/changes/change-tracker.js';
import { shadowRepositories } from '../helpers/shadows.js';
import { startTrackerRig, type TrackerRig } from '../helpers/tracker-rig.js';

const isRoot = process.getuid?.() === 0;
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'safe.directory=*', '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' });

describe.runIf(isRoot)('change tracking in the tenant sandbox, with a shadow repository', () => {
  let rig: TrackerRig;
  let root: string;
  let changesDir: string;
  let tracker: ChangeTracker;
  let uid: number;
  let sandbox: AgentSandbox;
  const workspace: TrackerRig['workspace'] = (...args) => rig.workspace(...args);
  const track: TrackerRig['track'] = (ws, change) => rig.track(ws, change);

  beforeAll(async () => {
    rig = await startTrackerRig();
    ({ root, changesDir, tracker, uid, sandbox } = rig);
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('a workspace inside a repository above it is its own root: the outer ignore rules do not decide', async () => {
    const outer = path.join(root, rig.unique('outer'));
    mkdirSync(outer);
    git(outer, 'init', '-q');
    writeFileSync(path.join(outer, '.gitignore'), '*.txt\nws*/\n');
    const ws = workspace({ 'notes.txt': 'one\n', '.gitignore': 'own-ignored.log\n' }, undefined, outer);
    const report = await track(ws, () => {
      writeFileSync(path.join(ws, 'notes.txt'), 'one\ntwo\n');
      writeFileSync(path.join(ws, 'own-ignored.log'), 'noise\n');
    });
    expect(report.files).toEqual([{ path: 'notes.txt', change: 'modified', additions: 1, deletions: 0, binary: false }]);
    // No .git of its own: the plain unified form.
    expect(report.diff).toBe('--- a/notes.txt\n+++ b/notes.txt\n@@ -1,1 +1,2 @@\n one\n+two\n');
  });

  it('nested repositories (with and without commits) and .git files: their files are tracked, no .git ever is', async () => {
    const ws = workspace({ 'top.txt': 'top\n', 'empty-repo/a.txt': 'a\n', 'committed/b.txt': 'b\n' }, (w) => {
      git(w, 'init', '-q');
      git(path.join(w, 'empty-repo'), 'init', '-q');
      git(path.join(w, 'committed'), 'init', '-q');
      git(path.join(w, 'committed'), 'add', '-A');
      git(path.join(w, 'committed'), 'commit', '-qm', 'b');
      mkdirSync(path.join(w, 'pointer'));
      writeFileSync(path.join(w, 'pointer', '.git'), `gitdir: ${path.join(w, '.git')}\n`);
    });
    const report = await track(ws, () => {
      writeFileSync(path.join(ws, 'empty-repo', 'a.txt'), 'a2\n');
      writeFileSync(path.join(ws, 'committed', 'b.txt'), 'b2\n');
      writeFileSync(path.join(ws, 'pointer', 'c.txt'), 'c\n');
      writeFileSync(path.join(ws, 'committed', 'new.txt'), 'new\n');
    });
    expect(report.files.map((f) => `${f.change} ${f.path}`)).toEqual([
      'modified committed/b.txt',
      'created committed/new.txt',
      'modified empty-repo/a.txt',
      'created pointer/c.txt',
    ]);
    expect(report.diff).toContain('diff --git a/committed/b.txt b/committed/b.txt\n');
  });

  it('node_modules is left out, the workspace’s own .gitignore applies, and an unreadable root-owned file does not stop it', async () => {
    const ws = workspace({ '.gitignore': 'build/\n', 'kept.txt': 'k\n' });
    writeFileSync(path.join(ws, 'root-only.env'), 'SECRET=1\n');
    chmodSync(path.join(ws, 'root-only.env'), 0o600);
    execFileSync('chown', ['0:0', path.join(ws, 'root-only.env')]);
    const report = await track(ws, () => {
      mkdirSync(path.join(ws, 'node_modules', 'pkg'), { recursive: true });
      writeFileSync(path.join(ws, 'node_modules', 'pkg', 'index.js'), 'x\n');
      mkdirSync(path.join(ws, 'build'));
      writeFileSync(path.join(ws, 'build', 'out.js'), 'y\n');
      writeFileSync(path.join(ws, 'kept.txt'), 'k2\n');
    });
    expect(report.files.map((f) => f.path)).toEqual(['kept.txt']);
  });

  it('limits: a file over 1 MiB or with over 5,000 changed lines is listed without counts and not diffed; binaries are binary', async () => {
    const ws = workspace({ 'small.txt': 's\n' });
    const report = await track(ws, () => {
      writeFileSync(path.join(ws, 'big.txt'), 'x'.repeat(100).concat('\n').repeat(11_000));
      writeFileSync(path.join(ws, 'many.txt'), 'line\n'.repeat(6000));
      writeFileSync(path.join(ws, 'blob.bin'), Buffer.from([1, 0, 2]));
      writeFileSync(path.join(ws, 'small.txt'), 's2\n');
    });
    expect(report.files).toEqual([
      { path: 'big.txt', change: 'created', additions: null, deletions: null, binary: false },
      { path: 'blob.bin', change: 'created', additions: null, deletions: null, binary: true },
      { path: 'many.txt', change: 'created', additions: null, deletions: null, binary: false },
      { path: 'small.txt', change: 'modified', additions: 1, deletions: 1, binary: false },
    ]);
    expect(report.diff).toBe('--- a/small.txt\n+++ b/small.txt\n@@ -1,1 +1,1 @@\n-s\n+s2\n');
  });

  it('a patch over the 16 MiB read limit is cut there: every file is still listed with its counts, the diff ends with the marker', async () => {
    const ws = workspace({ 'small.txt': 's\n' });
    const lines = 'x'.repeat(99).concat('\n').repeat(4500);
    const report = await track(ws, () => {
      for (let i = 0; i < 40; i++) writeFileSync(path.join(ws, `part-${String(i).padStart(2, '0')}.txt`), lines);
    });
    expect(report.files).toHaveLength(40);
    expect(report.files.every((f) => f.change === 'created' && f.additions === 4500 && f.deletions === 0)).toBe(true);
    expect(report.diff.endsWith('# diff truncated at 2097152 bytes\n')).toBe(true);
    // The next comparison in the same workspace works as usual.
    const next = await track(ws, () => writeFileSync(path.join(ws, 'small.txt'), 's2\n'));
    expect(next.files.map((f) => f.path)).toEqual(['small.txt']);
  });

  it('overlapping tasks in one workspace each compare with their own baseline', async () => {
    const ws = workspace({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const first = await tracker.begin('overlap-1', ws, 'alpha');
    writeFileSync(path.join(ws, 'a.txt'), 'a2\n');
    const second = await tracker.begin('overlap-2', ws, 'alpha');
    writeFileSync(path.join(ws, 'b.txt'), 'b2\n');
    expect((await first!.finish()).files.map((f) => f.path)).toEqual(['a.txt', 'b.txt']);
    expect((await second!.finish()).files.map((f) => f.path)).toEqual(['b.txt']);
  });

  it('the shadow lives outside the workspace, belongs to the tenant, and keeps only what is still needed', async () => {
    const ws = workspace({ 'data.txt': 'version one\n' });
    const shadowsBefore = new Set(shadowRepositories(changesDir));
    await track(ws, () => writeFileSync(path.join(ws, 'data.txt'), 'version two\n'));
    // The first snapshot went into a pack; later versions are loose objects, pruned once replaced.
    const oldBlob = git(ws, 'hash-object', 'data.txt').trim();
    await track(ws, () => writeFileSync(path.join(ws, 'data.txt'), 'version 2.5\n'));
    const shadow = shadowRepositories(changesDir).find((dir) => !shadowsBefore.has(dir))!;
    expect(execFileSync('stat', ['-c', '%u %a', shadow], { encoding: 'utf8' }).trim()).toBe(`${uid} 700`);
    expect(readdirSync(ws)).toEqual(['data.txt']);
    const has = (oid: string) => {
      try {
        git(ws, `--git-dir=${shadow}`, 'cat-file', '-e', oid);
        return true;
      } catch {
        return false;
      }
    };
    const newBlob = git(ws, 'hash-object', 'data.txt').trim();
    for (let waited = 0; has(oldBlob) && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    expect(has(oldBlob)).toBe(false);
    expect(has(newBlob)).toBe(true);
    // A later task still compares correctly against what the shadow kept.
    const report = await track(ws, () => writeFileSync(path.join(ws, 'data.txt'), 'version three\n'));
    expect(report.diff).toContain('-version 2.5\n+version three\n');
  });

  it('after many replaced files the first snapshot’s pack is rewritten without their old versions', async () => {
    const files = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`f${i}.txt`, `first ${i}\n`]));
    const ws = workspace(files);
    const firstVersion = git(ws, 'hash-object', 'f7.txt').trim();
    const shadowsBefore = new Set(shadowRepositories(changesDir));
    const report = await track(ws, () => Object.keys(files).forEach((name) => writeFileSync(path.join(ws, name), `second ${name}\n`)));
    expect(report.files).toHaveLength(300);
    const shadow = shadowRepositories(changesDir).find((dir) => !shadowsBefore.has(dir))!;
    const has = () => {
      try {
        git(ws, `--git-dir=${shadow}`, 'cat-file', '-e', firstVersion);
        return true;
      } catch {
        return false;
      }
    };
    for (let waited = 0; has() && waited < 20_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    expect(has()).toBe(false);
  });

  it('a workspace that is gone gives no report, and the next task there is tracked again', async () => {
    const ws = workspace({ 'x.txt': 'x\n' });
    const baseline = await tracker.begin('gone', ws, 'alpha');
    rmSync(ws, { recursive: true });
    await expect(baseline!.finish()).rejects.toThrow(/change tracking \(finish\) failed/);
    mkdirSync(ws);
    writeFileSync(path.join(ws, 'y.txt'), 'y\n');
    execFileSync('chown', ['-R', `${uid}:${uid}`, ws]);
    const report = await track(ws, () => writeFileSync(path.join(ws, 'y.txt'), 'y2\n'));
    expect(report.files.map((f) => f.path)).toEqual(['y.txt']);
  });

  it('a new shadow starts empty: what was left at its name (a stale index, a HEAD, objects) is cleared, not adopted', async () => {
    const ws = workspace({ 'kept.txt': 'kept\n' });
    const key = createHash('sha256').update(`alpha\0${ws}`).digest('hex').slice(0, 32);
    const tenantDir = path.join(changesDir, createHash('sha256').update('alpha').digest('hex').slice(0, 16));
    const left = path.join(tenantDir, key);
    mkdirSync(path.join(left, 'objects'), { recursive: true });
    writeFileSync(path.join(left, 'HEAD'), 'ref: refs/heads/elsewhere\n');
    writeFileSync(path.join(left, 'index'), 'not an index');
    writeFileSync(path.join(left, 'junk'), 'junk');
    execFileSync('chown', ['-R', `${uid}:${uid}`, tenantDir]);
    const report = await track(ws, () => writeFileSync(path.join(ws, 'new.txt'), 'new\n'));
    expect(report.files).toEqual([{ path: 'new.txt', change: 'created', additions: 1, deletions: 0, binary: false }]);
    expect(readdirSync(left)).not.toContain('junk');
  });

  it('an empty workspace (a new session) is tracked from git’s empty tree: what appears is created, and nothing appearing is no change', async () => {
    const ws = workspace({}, (dir) => mkdirSync(dir, { recursive: true }));
    // Its baseline makes no repository yet (nothing to store, no git started); the finish does.
    const shadowsBefore = shadowRepositories(changesDir).length;
    const baseline = await tracker.begin(rig.unique('task-'), ws, 'alpha');
    expect(shadowRepositories(changesDir)).toHaveLength(shadowsBefore);
    expect((await baseline!.finish()).files).toEqual([]);
    expect(shadowRepositories(changesDir)).toHaveLength(shadowsBefore + 1);
    const other = workspace({}, (dir) => mkdirSync(dir, { recursive: true }));
    const report = await track(other, () => {
      mkdirSync(path.join(other, 'src'));
      writeFileSync(path.join(other, 'src', 'a.txt'), 'a\n');
    });
    expect(report.files).toEqual([{ path: 'src/a.txt', change: 'created', additions: 1, deletions: 0, binary: false }]);
    expect(report.diff).toContain('+++ b/src/a.txt\n@@ -0,0 +1,1 @@\n+a\n');
    const next = await track(other, () => writeFileSync(path.join(other, 'src', 'a.txt'), 'b\n'));
    expect(next.files).toEqual([{ path: 'src/a.txt', change: 'modified', additions: 1, deletions: 1, binary: false }]);
  });

  it("a finish's tree is written once the task is over, and a later task compares with it: changes between tasks are never lost", async () => {
    const ws = workspace({ 'a.txt': 'one\n' });
    const commands: string[] = [];
    const run = sandbox.run.bind(sandbox);
    sandbox.run = (identity, command) => {
      commands.push(String(command.args[2]));
      return run(identity, command);
    };
    try {
      expect((await track(ws, () => writeFileSync(path.join(ws, 'a.txt'), 'two\n'))).files.map((f) => f.change)).toEqual(['modified']);
      for (let i = 0; i < 100 && !commands.includes('write-tree'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(commands.filter((c) => c === 'write-tree')).toHaveLength(1);
      // Unchanged since: the next task sees only its own change.
      const next = await track(ws, () => writeFileSync(path.join(ws, 'b.txt'), 'b\n'));
      expect(next.files).toEqual([{ path: 'b.txt', change: 'created', additions: 1, deletions: 0, binary: false }]);
      // Changed between tasks (by the files API, say): the baseline is taken anew, and the task sees only its own change.
      writeFileSync(path.join(ws, 'a.txt'), 'between\n');
      const after = await track(ws, () => writeFileSync(path.join(ws, 'a.txt'), 'three\n'));
      expect(after.files).toEqual([{ path: 'a.txt', change: 'modified', additions: 1, deletions: 1, binary: false }]);
      expect(after.diff).toContain('-between\n+three\n');
    } finally {
      sandbox.run = run;
    }
  });

  it('a directory swapped for a symlink and back, all through the tracking, never fails a finish (git reads blobs, not the tree)', async () => {
    const ws = workspace({ 'dir/a.txt': 'a\n', 'dir/b.txt': 'b\n' }, (w) => {
      mkdirSync(path.join(w, 'elsewhere'), { recursive: true });
      writeFileSync(path.join(w, 'elsewhere', 'a.txt'), 'not this one\n');
    });
    symlinkSync('elsewhere', path.join(ws, 'link'));
    execFileSync('chown', ['-h', `${uid}:${uid}`, path.join(ws, 'link')]);
    // The tenant's own process, on the host: renameat2(RENAME_EXCHANGE) in a loop until told to stop.
    const swapper = spawn(
      '/usr/bin/python3',
      ['-c', "import ctypes, os\nlibc = ctypes.CDLL(None)\nwhile not os.path.exists('stop'):\n    libc.renameat2(-100, b'dir', -100, b'link', 2)\n"],
      { cwd: ws, uid, gid: uid, stdio: 'ignore' },
    );
    const failures: string[] = [];
    try {
      for (let i = 0; i < 50; i++) {
        const baseline = await tracker.begin(`swap-${i}`, ws, 'alpha');
        if (baseline === null) {
          failures.push(`begin ${i}`);
          continue;
        }
        // Written through whichever of the two names is the directory right now.
        for (const name of ['dir', 'link', 'dir', 'link']) writeFileSync(path.join(ws, name, 'a.txt'), `${i}\n`, { flag: 'w' });
        writeFileSync(path.join(ws, 'top.txt'), `${i}\n`);
        await baseline.finish().catch((error: Error) => failures.push(`finish ${i}: ${error.message}`));
      }
    } finally {
      writeFileSync(path.join(ws, 'stop'), '');
      await new Promise((resolve) => swapper.once('exit', resolve));
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
