/**
 * The one script that creates and checks a workspace, run by bash as the tenant inside the tenant's
 * sandbox (see workspace-preparation.ts). The sandbox shows nothing but the tenant's tree and the
 * read-only system directories, so whatever a symlink points at, and however it is swapped while
 * this runs, every step lands in the tenant's own tree: no race here can reach anyone else. A
 * symlink out of the tree does not resolve inside; it is refused whether or not its target exists
 * on the host, so the answer tells the tenant nothing about the host.
 *
 * Arguments: the tenant's root, the workspace (absolute, normalised, inside the root), and the
 * tenant's uid when ownership is to be checked ('' otherwise): then the whole tree is looked
 * through for files that are not the tenant's too. Output: a status line, then the
 * path it concerns:
 * - `ok` and the workspace's real path;
 * - `foreign-parent` and the deepest existing directory, when the workspace is to be created and
 *   a directory between the root and it is not the tenant's (made by root: it cannot be yet);
 * - `foreign-tree` and the workspace's real path, when something in it is not the tenant's;
 * - `error CODE why`.
 */
/** A shell parameter expansion's `${` cannot be written inside a template literal. */
const D = '$';

export const WORKSPACE_SCRIPT = String.raw`
root=$1 target=$2 uid=$3
say() { printf '%s\n%s' "$1" "$2"; exit 0; }
inside() { case "$1" in "$root" | "$root"/*) return 0 ;; esac; return 1; }
parent_of() { p=${D}{1%/*}; [ -n "$p" ] || p=/; printf '%s' "$p"; }
# realpath -e, without starting a process for the usual case, a directory the tenant can enter.
resolve() {
  if [ -d "$1" ] && cd -P -- "$1" 2>/dev/null; then real=$PWD; cd /; return 0; fi
  real=$(realpath -e -- "$1" 2>/dev/null)
}

# The deepest part of the path that exists (a dangling symlink counts: it is refused below).
existing=$target
while [ ! -e "$existing" ] && [ ! -L "$existing" ]; do
  [ "$existing" != / ] || say "error WORKSPACE_INVALID the workspace root is missing" ""
  existing=$(parent_of "$existing")
done
if ! resolve "$existing"; then
  if [ -L "$existing" ]; then
    inside "$(realpath -m -- "$existing")" || say "error WORKSPACE_OUTSIDE_ROOT a symlink points out of the tenant's tree" ""
    say "error WORKSPACE_INVALID goes through a broken symlink" ""
  fi
  say "error WORKSPACE_NOT_READABLE cannot be examined" ""
fi
inside "$real" || say "error WORKSPACE_OUTSIDE_ROOT a symlink points out of the tenant's tree" ""

# A workspace to create below directories root made (an operator, say): those are handed over first.
if [ -n "$uid" ] && [ "$existing" != "$target" ] && [ -d "$real" ]; then
  dir=$real
  while [ "$dir" != "$root" ]; do
    [ "$(stat -c %u:%g -- "$dir")" = "$uid:$uid" ] || say foreign-parent "$real"
    dir=$(parent_of "$dir")
  done
fi

workspace=$real${D}{target#"$existing"}
created=
if [ "$workspace" != "$real" ]; then created=1; fi
if [ -n "$created" ] && ! mkdir -p -- "$workspace" 2>/dev/null; then
  at=$workspace
  while [ ! -e "$at" ] && [ ! -L "$at" ]; do at=$(parent_of "$at"); done
  [ ! -L "$at" ] || say "error WORKSPACE_INVALID goes through a broken symlink" ""
  [ -d "$at" ] || say "error WORKSPACE_NOT_A_DIRECTORY goes through a file" ""
  [ -w "$at" ] || say "error WORKSPACE_NOT_WRITABLE does not exist and cannot be created" ""
  say "error WORKSPACE_INVALID cannot be created" ""
fi
resolve "$workspace" || say "error WORKSPACE_INVALID changed while it was being created" ""
inside "$real" || say "error WORKSPACE_OUTSIDE_ROOT a symlink points out of the tenant's tree" ""
[ -d "$real" ] || say "error WORKSPACE_NOT_A_DIRECTORY exists but is not a directory" ""
# A workspace made just now, as the tenant, holds nothing of anyone else's: no walk.
if [ -n "$uid" ] && [ -z "$created" ] && [ -n "$(find "$real" \( ! -user "$uid" -o ! -group "$uid" \) -print -quit 2>/dev/null)" ]; then
  say foreign-tree "$real"
fi
[ -r "$real" ] && [ -x "$real" ] || say "error WORKSPACE_NOT_READABLE is not readable by the agent's user" "$real"
[ -w "$real" ] || say "error WORKSPACE_NOT_WRITABLE is not writable by the agent's user" "$real"
say ok "$real"
`;

const REPORTED_CODES = ['WORKSPACE_INVALID', 'WORKSPACE_OUTSIDE_ROOT', 'WORKSPACE_NOT_A_DIRECTORY', 'WORKSPACE_NOT_READABLE', 'WORKSPACE_NOT_WRITABLE'] as const;
type ReportedCode = (typeof REPORTED_CODES)[number];

export type WorkspaceReport = { status: 'ok' | 'foreign-parent' | 'foreign-tree'; path: string } | { status: 'error'; code: ReportedCode; why: string };

/** Reads the script's answer; anything else (the sandbox failed) is null. */
export function parseWorkspaceReport(stdout: string): WorkspaceReport | null {
  const newline = stdout.indexOf('\n');
  if (newline === -1) return null;
  const [status, code, ...why] = stdout.slice(0, newline).split(' ');
  const reported = stdout.slice(newline + 1);
  if (status === 'error' && REPORTED_CODES.includes(code as ReportedCode)) return { status, code: code as ReportedCode, why: why.join(' ') };
  if ((status === 'ok' || status === 'foreign-parent' || status === 'foreign-tree') && reported.startsWith('/')) return { status, path: reported };
  return null;
}
