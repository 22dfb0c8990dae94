import { DIFF_LIMITS } from './change-types.js';

/**
 * Change tracking as one bash script, run as the tenant inside the tenant's sandbox (one launch
 * per phase). Git works on a shadow repository the server owns (GIT_DIR), with the workspace as
 * its work tree: git skips every `.git` entry, so nothing the tenant planted in the workspace's
 * own repository (config, filters, hooks, core.worktree, include.path, a `.git` file pointing
 * elsewhere) is ever used; for an untracked directory, git only looks whether its `.git` makes it
 * a repository. A repository above the workspace is never discovered either: the workspace is
 * its own root, and only its own .gitignore files apply.
 *
 * Files are listed with `ls-files` and fed to `update-index` by path rather than `git add`,
 * because `add` turns a nested repository into a gitlink (reading that repository's refs) and
 * fails outright on one without commits; this way a nested repository's files are tracked as
 * files. The shadow's index is kept between tasks as git's stat cache, so a later phase only
 * hashes what changed. The first phase streams blobs into one pack (bulk check-in) instead of
 * writing thousands of loose objects.
 *
 * Output, on stdout only: `tree <id>` (`-` after a finish that staged changes: it compares the
 * index itself with the baseline, and the next baseline writes the tree, off the task's path)
 * and `repo <0|1>` lines, then for a finish that found a change, a `diff` line and what one
 * `diff-index` run printed (each git start costs milliseconds), streamed up to the read limit:
 * git's raw and numstat listing, a blank line, the patch. Git quotes a path with a newline in
 * it, so the first blank line ends the listing whatever the files hold. The blob sizes that tell
 * a file too large to diff from a binary one are asked for separately (sizesCommand), only when
 * git counted no lines for some file. The server trusts nothing here beyond this shape; see
 * change-report.ts.
 */
/** Where a finish's output is cut (see parseTrackingOutput): the patch is useful in part. */
export const PATCH_READ_LIMIT = 16 * 1024 * 1024;
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

const SCRIPT = `
set -u -f
umask 077
mode=$1 shadow=$2 work=$3 before=$4 last=$5 fresh=$6
safe=(-c core.hooksPath=/dev/null -c core.fsmonitor=false -c core.untrackedCache=false -c core.splitIndex=false
  -c core.quotePath=false -c core.attributesFile=/dev/null -c core.excludesFile=/dev/null -c core.autocrlf=false
  -c core.safecrlf=false -c core.symlinks=true -c core.pager=cat -c core.sshCommand=false -c diff.external=
  -c protocol.allow=never -c safe.directory='*' -c gc.auto=0 -c maintenance.auto=false)
g() { git "\${safe[@]}" "$@"; }
cd -- "$work" || exit 10
# A new shadow starts empty: whatever an earlier, failed removal left at its name is the tenant's
# own, cleared and not adopted.
if [ "$fresh" = fresh ] && { [ -e "$shadow" ] || [ -L "$shadow" ]; }; then rm -rf -- "$shadow" || exit 11; fi
# A baseline of an empty workspace with no repository yet (a new session's first): git's empty
# tree, with no process started (the agent's first model call waits for it); the repository is
# made by the first phase with something to store.
if [ "$mode" = begin ] && [ ! -f "$shadow/HEAD" ]; then
  set +f
  shopt -s nullglob dotglob
  entries=(*)
  shopt -u nullglob dotglob
  set -f
  if [ \${#entries[@]} -eq 0 ]; then printf 'tree %s\\nrepo 0\\n' ${EMPTY_TREE}; exit 0; fi
fi
# A bare repository is HEAD, objects and refs, made here: git init would be one process start more.
# \`nowhere\` stays empty: the diff's work tree (see below).
if [ ! -f "$shadow/HEAD" ]; then
  mkdir -p -- "$shadow/objects" "$shadow/refs" "$shadow/nowhere" && printf 'ref: refs/heads/main\\n' > "$shadow/HEAD" || exit 11
fi
export GIT_DIR=$shadow GIT_WORK_TREE=$work
# Phases never overlap on one shadow (the server serialises them): a lock left by a killed git is stale.
if [ -e "$shadow/index.lock" ]; then rm -f -- "$shadow/index.lock"; fi
if [ -e .git ] || [ -L .git ]; then repo=1; else repo=0; fi
bulk=
if [ ! -f "$shadow/index" ]; then bulk='-c core.bigFileThreshold=1'; fi
# A process of the tenant may still be changing the tree (a directory swapped for a symlink
# between listing and indexing): git refuses such a path and stops, so it is skipped on a retry.
declare -A skip=()
update() {
  # Through files in the shadow rather than pipes: each subshell is one more process start.
  g ls-files -z -m -d -o --exclude-standard --exclude=node_modules/ > "$shadow/listed" || return 12
  mapfile -d '' -t listed < "$shadow/listed"
  local files=() nested=() p err
  for p in "\${listed[@]}"; do
    if [ -n "\${skip[$p]:-}" ]; then continue; fi
    case $p in
      */) nested+=("./$p") ;;
      # A file the tenant cannot read (put there by root) is left out until it is handed over.
      *) if [ -L "$p" ] || [ ! -e "$p" ] || [ -r "$p" ]; then files+=("$p"); fi ;;
    esac
  done
  # Nothing listed: the index, and so the tree, is what the previous phase left.
  tree=$last
  if [ \${#files[@]} -eq 0 ] && [ \${#nested[@]} -eq 0 ] && [ -f "$shadow/index" ] && [ -n "$last" ]; then return 0; fi
  # An empty workspace and no index yet (a new session's first baseline): git's empty tree, which
  # every repository has without storing it; the index comes with the first file.
  if [ \${#files[@]} -eq 0 ] && [ \${#nested[@]} -eq 0 ] && [ ! -f "$shadow/index" ]; then tree=${EMPTY_TREE}; return 0; fi
  if [ \${#files[@]} -gt 0 ] || [ \${#nested[@]} -gt 0 ] || [ ! -f "$shadow/index" ]; then stage || return; fi
  # A finish compares the index itself with the baseline: its tree is written by the next baseline, off the task's path.
  if [ "$mode" = finish ]; then tree=-; else g write-tree > "$shadow/tree" && read -r tree < "$shadow/tree" || return 14; fi
}
stage() {
  local err p staged=$shadow/staged
  : > "$staged"
  if [ \${#files[@]} -gt 0 ]; then printf '%s\\0' "\${files[@]}" > "$staged"; fi
  # An untracked directory holding a repository of its own: its files, never its .git.
  if [ \${#nested[@]} -gt 0 ]; then
    find "\${nested[@]}" \\( -name .git -o -name node_modules \\) -prune -o \\( -type f -readable -o -type l \\) -print0 >> "$staged"
  fi
  if ! g $bulk update-index --add --remove --replace -z --stdin < "$staged" > /dev/null 2> "$shadow/staged.err"; then
    err=$(< "$shadow/staged.err")
    case $err in *'Unable to process path '*) p=\${err##*Unable to process path }; skip[\${p%%$'\\n'*}]=1 ;; esac
    printf '%s\\n' "$err" >&2
    return 13
  fi
}
for attempt in 1 2 3 4 5 6 7 8; do
  if update; then break; fi
  if [ $attempt = 8 ]; then exit 13; fi
done
printf 'tree %s\\nrepo %s\\n' "$tree" "$repo"
if [ "$mode" != finish ] || [ "$tree" = "$before" ]; then exit 0; fi
# One diff of the index against the baseline, streamed: the raw and numstat listing, a blank
# line, the patch. The server cuts it at the read limit (and kills git there); git replaces this
# shell, one process start fewer on the task's path.
printf 'diff\\n'
# The diff runs in an empty work tree, from inside it: for an index entry whose stat still
# matches the file, git would otherwise read the file (by its path, from the current directory)
# instead of its blob, and a tenant's process swapping a directory for a symlink in between
# makes that read fail, or read another file of the tenant's.
if [ ! -d "$shadow/nowhere" ]; then mkdir -- "$shadow/nowhere" || exit 11; fi
cd -- "$shadow/nowhere" || exit 11
exec git "\${safe[@]}" --work-tree="$shadow/nowhere" -c core.bigFileThreshold=${DIFF_LIMITS.maxFileBytes} diff-index --cached -r --no-renames --no-ext-diff \\
  --no-textconv --no-color --raw --no-abbrev --numstat -p "$before"
`;

/** The size of each blob named: `<oid> <size>` lines, `<oid> missing` for one not stored. */
const SIZES_SCRIPT =
  'shadow=$1; shift; printf "%s\\n" "$@" | git -c safe.directory="*" --git-dir="$shadow" cat-file --batch-check="%(objectname) %(objectsize)"';

/** Empties a directory: a physical walk that follows no symlink. */
const EMPTY_SCRIPT = 'find "$1" -mindepth 1 -delete';
/** Git for the shadow's own upkeep (no work tree): no hooks, no automatic gc, any owner. */
const SHADOW_GIT = 'git -c core.hooksPath=/dev/null -c gc.auto=0 -c safe.directory="*"';
/** The tree of the shadow's index as it stands, written after a finish so that the next baseline need not. */
const WRITE_TREE_SCRIPT = `exec ${SHADOW_GIT} --git-dir="$1" write-tree`;
const REMOVE_SCRIPT = 'rm -rf -- "$1"';

/**
 * Drops the objects that neither the index (the workspace now) nor any tree still wanted holds:
 * loose ones every time, and with `repack` also those in packs (the first snapshot's pack keeps
 * a file's first version until then).
 */
const PRUNE_SCRIPT = [
  'shadow=$1',
  // Nothing to prune in a shadow whose repository was never made (an empty workspace's baseline, discarded).
  '[ -f "$shadow/HEAD" ] || exit 0',
  `g() { ${SHADOW_GIT} -c repack.writeBitmaps=false --git-dir="$shadow" "$@"; }`,
  'if [ "$2" = repack ]; then g repack -a -d -q || exit; fi',
  'g prune --expire=now',
].join('\n');

export type TrackingPhase = 'begin' | 'finish';

/**
 * bash arguments for one phase: `before` is the tree a finish compares with, `last` the tree the
 * previous phase on this shadow wrote ('' when unknown: the index is then written out again),
 * `fresh` for the first phase of a new shadow (it creates the repository).
 */
export function trackingCommand(phase: TrackingPhase, shadow: string, workspace: string, state: { before?: string; last?: string; fresh?: boolean }): string[] {
  return ['-c', SCRIPT, 'track-changes', phase, shadow, workspace, state.before ?? '', state.last ?? '', state.fresh ? 'fresh' : ''];
}

export function sizesCommand(shadow: string, oids: readonly string[]): string[] {
  return ['-c', SIZES_SCRIPT, 'blob-sizes', shadow, ...oids];
}

export function emptyShadowCommand(dir: string): string[] {
  return ['-c', EMPTY_SCRIPT, 'empty-shadow', dir];
}

export function removeShadowCommand(shadow: string): string[] {
  return ['-c', REMOVE_SCRIPT, 'remove-shadow', shadow];
}

export function writeTreeCommand(shadow: string): string[] {
  return ['-c', WRITE_TREE_SCRIPT, 'write-tree', shadow];
}

export function pruneCommand(shadow: string, repack: boolean): string[] {
  return ['-c', PRUNE_SCRIPT, 'prune-shadow', shadow, repack ? 'repack' : ''];
}

/**
 * No system or user configuration, no pager, no prompts, no ssh. The malloc settings stop
 * glibc from returning zlib's buffers to the kernel after every object, which made a first
 * snapshot of 10,000 files ten times slower.
 */
export const TRACKING_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_ATTR_NOSYSTEM: '1',
  XDG_CONFIG_HOME: '/nonexistent',
  GIT_TERMINAL_PROMPT: '0',
  GIT_PAGER: 'cat',
  PAGER: 'cat',
  GIT_SSH_COMMAND: 'false',
  GIT_NO_REPLACE_OBJECTS: '1',
  GIT_OPTIONAL_LOCKS: '0',
  MALLOC_TRIM_THRESHOLD_: String(256 * 1024 * 1024),
  MALLOC_TOP_PAD_: String(16 * 1024 * 1024),
};

/** What one phase printed, split into its frames. */
export interface TrackingOutput {
  tree: string;
  repo: boolean;
  changes: string;
  sizes: string;
  patch: string;
  /** The patch reached the read limit and was cut. */
  patchCut: boolean;
}

export function parseTrackingOutput(stdout: Buffer, cut = false): TrackingOutput {
  let at = 0;
  const line = (): string => {
    const end = stdout.indexOf(0x0a, at);
    if (end < 0) throw new Error('change tracking output ended early');
    const text = stdout.subarray(at, end).toString('latin1');
    at = end + 1;
    return text;
  };
  const tree = /^tree ([0-9a-f]{40}|-)$/.exec(line())?.[1];
  const repo = /^repo ([01])$/.exec(line())?.[1];
  if (tree === undefined || repo === undefined) throw new Error('change tracking output: no tree');
  const out: TrackingOutput = { tree: tree === '-' ? '' : tree, repo: repo === '1', changes: '', sizes: '', patch: '', patchCut: false };
  if (at >= stdout.length) return out;
  if (line() !== 'diff') throw new Error('change tracking output: expected diff');
  const diff = stdout.subarray(at);
  out.patchCut = cut;
  const blank = diff.indexOf('\n\n');
  if (blank >= 0) {
    out.changes = diff.subarray(0, blank).toString('utf8');
    out.patch = diff.subarray(blank + 2).toString('utf8');
  } else {
    // No patch (only modes changed), or a listing cut before its end: its last whole line stands.
    const end = out.patchCut ? diff.lastIndexOf(0x0a) : diff.length;
    out.changes = diff.subarray(0, Math.max(end, 0)).toString('utf8').replace(/\n$/, '');
  }
  return out;
}

/** The blobs whose sizes the report needs: both sides of each file git counted no lines for. */
export function blobsToSize(changes: string): string[] {
  const uncounted = new Set<string>();
  const oids: string[] = [];
  for (const line of changes.split('\n')) {
    const match = /^-\t-\t(.*)$/s.exec(line);
    if (match) uncounted.add(match[1]!);
  }
  if (uncounted.size === 0) return oids;
  for (const line of changes.split('\n')) {
    const tab = line.indexOf('\t');
    if (!line.startsWith(':') || tab < 0 || !uncounted.has(line.slice(tab + 1))) continue;
    const [, , before, after] = line.slice(1, tab).split(' ');
    if (before !== undefined && after !== undefined) oids.push(before, after);
  }
  return oids;
}
