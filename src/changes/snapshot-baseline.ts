import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createTwoFilesPatch, structuredPatch } from 'diff';
import { byPath, capDiff, DIFF_LIMITS, type ChangeBaseline, type ChangedFile, type ChangeReport } from './change-types.js';

/** Bounds on what a snapshot walks and keeps, so a huge workspace costs a bounded amount of memory. */
const MAX_FILES = 10_000;
const MAX_KEPT_BYTES = 16 * 1024 * 1024;
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

interface FileState {
  size: number;
  mtimeMs: number;
  hash: string;
  /** Kept for diffing when small enough; null otherwise. */
  content: Buffer | null;
}

type Snapshot = Map<string, FileState>;

async function walk(root: string): Promise<string[]> {
  const found: string[] = [];
  const pending = [''];
  while (pending.length > 0 && found.length < MAX_FILES) {
    const dir = pending.pop()!;
    const entries = await readdir(path.join(root, dir), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) pending.push(relative);
      } else if (entry.isFile()) {
        found.push(relative);
      }
    }
  }
  return found.slice(0, MAX_FILES);
}

async function capture(root: string, previous?: Snapshot): Promise<Snapshot> {
  const snapshot: Snapshot = new Map();
  let kept = 0;
  for (const relative of await walk(root)) {
    const full = path.join(root, relative);
    const stats = await lstat(full).catch(() => null);
    if (!stats?.isFile()) continue;
    const before = previous?.get(relative);
    // Unchanged size and mtime: reuse what the first snapshot read instead of reading again.
    if (before && before.size === stats.size && before.mtimeMs === stats.mtimeMs) {
      snapshot.set(relative, before);
      continue;
    }
    const content = await readFile(full).catch(() => null);
    if (content === null) continue;
    const keep = content.length <= DIFF_LIMITS.maxFileBytes && kept + content.length <= MAX_KEPT_BYTES;
    if (keep) kept += content.length;
    snapshot.set(relative, {
      size: stats.size,
      mtimeMs: stats.mtimeMs,
      hash: createHash('sha256').update(content).digest('hex'),
      content: keep ? content : null,
    });
  }
  return snapshot;
}

function isBinary(content: Buffer): boolean {
  return content.subarray(0, 8000).includes(0);
}

function describe(relative: string, before: FileState | undefined, after: FileState | undefined): { file: ChangedFile; patch: string } {
  const change = before === undefined ? 'created' : after === undefined ? 'deleted' : 'modified';
  const binary = [before, after].some((s) => s?.content && isBinary(s.content));
  const diffable = !binary && [before, after].every((s) => s === undefined || s.content !== null);
  if (!diffable) return { file: { path: relative, change, additions: null, deletions: null, binary }, patch: '' };
  const oldText = before?.content?.toString('utf8') ?? '';
  const newText = after?.content?.toString('utf8') ?? '';
  let additions = 0;
  let deletions = 0;
  for (const hunk of structuredPatch(relative, relative, oldText, newText).hunks) {
    for (const line of hunk.lines) {
      if (line.startsWith('+')) additions++;
      else if (line.startsWith('-')) deletions++;
    }
  }
  if (additions + deletions > DIFF_LIMITS.maxChangedLines)
    return { file: { path: relative, change, additions: null, deletions: null, binary: false }, patch: '' };
  const oldName = before === undefined ? '/dev/null' : `a/${relative}`;
  const newName = after === undefined ? '/dev/null' : `b/${relative}`;
  const patch = createTwoFilesPatch(oldName, newName, oldText, newText, undefined, undefined, { context: 3 });
  // jsdiff opens with an "Index:" banner and a ==== rule; the unified format starts at ---.
  return { file: { path: relative, change, additions, deletions, binary: false }, patch: patch.slice(patch.indexOf('---')) };
}

/**
 * For workspaces that are not git repositories: every file (up to MAX_FILES, skipping .git and
 * node_modules) is hashed at the start, and small ones are kept so they can be diffed. Changes
 * made by any tool, Bash included, are seen.
 */
export async function snapshotBaseline(workspace: string): Promise<ChangeBaseline> {
  let before: Snapshot | null = await capture(workspace);
  return {
    discard: async () => {
      before = null;
    },
    finish: async (): Promise<ChangeReport> => {
      const start = before ?? new Map<string, FileState>();
      before = null;
      const after = await capture(workspace, start);
      const changed: { file: ChangedFile; patch: string }[] = [];
      for (const relative of new Set([...start.keys(), ...after.keys()])) {
        const old = start.get(relative);
        const now = after.get(relative);
        if (old && now && old.hash === now.hash) continue;
        changed.push(describe(relative, old, now));
      }
      changed.sort((a, b) => byPath(a.file, b.file));
      return { files: changed.map((c) => c.file), diff: capDiff(changed.map((c) => c.patch).join('')) };
    },
  };
}
