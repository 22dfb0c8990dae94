import { byPath, capDiff, DIFF_LIMITS, type ChangedFile, type ChangeKind, type ChangeReport } from './change-types.js';
import { plainSection, splitPatch, unquoteGitPath } from './git-patch.js';
import type { TrackingOutput } from './tracking-script.js';

const KINDS: Record<string, ChangeKind> = { A: 'created', M: 'modified', D: 'deleted', T: 'modified' };
const NO_OBJECT = /^0+$/;

interface RawEntry {
  path: string;
  change: ChangeKind;
  before: string;
  after: string;
}

/** git's `--raw --numstat` listing: `:<mode> <mode> <oid> <oid> <status>\t<path>` and `<added>\t<deleted>\t<path>` lines. */
function parseChanges(text: string): { raw: RawEntry[]; counts: Map<string, { additions: number | null; deletions: number | null }> } {
  const raw: RawEntry[] = [];
  const counts = new Map<string, { additions: number | null; deletions: number | null }>();
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    if (line.startsWith(':')) {
      const [, , before, after, status] = line.slice(1, tab).split(' ');
      if (before === undefined || after === undefined || status === undefined) continue;
      raw.push({ path: unquoteGitPath(line.slice(tab + 1)), change: KINDS[status.charAt(0)] ?? 'modified', before, after });
      continue;
    }
    const match = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(line);
    if (match) {
      counts.set(unquoteGitPath(match[3]!), {
        additions: match[1] === '-' ? null : Number(match[1]),
        deletions: match[2] === '-' ? null : Number(match[2]),
      });
    }
  }
  return { raw, counts };
}

function parseSizes(text: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]{40}) (\d+)$/.exec(line);
    if (match) sizes.set(match[1]!, Number(match[2]));
  }
  return sizes;
}

/**
 * The report for one task from what the finish phase printed. Limits are the same for every
 * workspace: a file past DIFF_LIMITS.maxFileBytes or maxChangedLines is listed without counts
 * and left out of the diff, and the diff is cut at maxDiffBytes. A workspace that is a
 * repository gets git's own patch format; any other gets plain unified diffs of its text files.
 */
export function buildReport(output: TrackingOutput, repo: boolean): ChangeReport {
  const { raw, counts } = parseChanges(output.changes);
  const sizes = parseSizes(output.sizes);
  const files: ChangedFile[] = [];
  const undiffed = new Set<string>();
  for (const entry of raw) {
    // Only the mode changed: a plain folder never tracked modes.
    if (!repo && entry.before === entry.after) continue;
    const count = counts.get(entry.path) ?? { additions: null, deletions: null };
    const tooLarge = [entry.before, entry.after].some((oid) => !NO_OBJECT.test(oid) && (sizes.get(oid) ?? 0) > DIFF_LIMITS.maxFileBytes);
    const binary = count.additions === null && !tooLarge;
    const tooManyLines = !binary && (count.additions ?? 0) + (count.deletions ?? 0) > DIFF_LIMITS.maxChangedLines;
    if (tooLarge || tooManyLines) {
      undiffed.add(entry.path);
      files.push({ path: entry.path, change: entry.change, additions: null, deletions: null, binary: false });
    } else {
      files.push({ path: entry.path, change: entry.change, ...count, binary });
    }
  }
  files.sort(byPath);
  const sections = splitPatch(output.patch).filter((section) => !undiffed.has(section.path));
  const diff = sections.map((section) => (repo ? section.text : plainSection(section))).join('');
  return { files, diff: output.patchCut ? cutDiff(diff) : capDiff(diff) };
}

/** A patch that was cut while being read always ends with the truncation marker. */
function cutDiff(diff: string): string {
  const capped = capDiff(diff);
  if (capped !== diff) return capped;
  return `${diff.slice(0, diff.lastIndexOf('\n') + 1)}# diff truncated at ${DIFF_LIMITS.maxDiffBytes} bytes\n`;
}
