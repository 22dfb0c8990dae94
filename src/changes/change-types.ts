export const CHANGE_KINDS = ['created', 'modified', 'deleted'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** One file a task changed in its workspace, relative to the workspace. */
export interface ChangedFile {
  path: string;
  change: ChangeKind;
  /** Lines added and removed; null for binary files and files too large to diff. */
  additions: number | null;
  deletions: number | null;
  binary: boolean;
}

export interface ChangeReport {
  files: ChangedFile[];
  /** A unified diff of the text files that were small enough to diff. */
  diff: string;
}

/** A workspace's state captured at a task's start; finish() compares it with the state now. */
export interface ChangeBaseline {
  finish(): Promise<ChangeReport>;
  /** Drops what the baseline holds without comparing (the task never ran). */
  discard(): Promise<void>;
}

/** Past these, a file is listed but not diffed, and the whole diff is cut with a marker. */
export const DIFF_LIMITS = {
  maxFileBytes: 1024 * 1024,
  maxChangedLines: 5000,
  maxDiffBytes: 2 * 1024 * 1024,
} as const;

export function capDiff(diff: string): string {
  if (Buffer.byteLength(diff) <= DIFF_LIMITS.maxDiffBytes) return diff;
  const cut = Buffer.from(diff).subarray(0, DIFF_LIMITS.maxDiffBytes).toString('utf8');
  return `${cut.slice(0, cut.lastIndexOf('\n') + 1)}# diff truncated at ${DIFF_LIMITS.maxDiffBytes} bytes\n`;
}

export function byPath(a: ChangedFile, b: ChangedFile): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
