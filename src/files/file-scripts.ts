/**
 * The bash run in a tenant's sandbox, as the tenant, for every file operation on a workspace:
 * the server never opens a path in a tree the tenant writes (docs/security.md). Arguments are
 * never interpolated: `$1` is the workspace's real path, then the names to walk (checked as text
 * by file-paths.ts). The first stdout line is the answer: `ERR <reason>` or what the operation says.
 *
 * The walk refuses a symlink at any name, and after each `cd -P` checks that the physical
 * directory is the one expected, so a directory swapped for a symlink between the check and the
 * step is caught too; everything after the walk is relative to a directory the shell holds.
 */
const WALK = String.raw`
set -u
say() { printf '%s\n' "$1"; exit 0; }
enter() {
  local want
  if [ "$PWD" = / ]; then want=/$1; else want=$PWD/$1; fi
  cd -P -- "$1" 2>/dev/null || say 'ERR missing'
  [ "$PWD" = "$want" ] || say 'ERR symlink'
}
step() {
  [ -L "$1" ] && say 'ERR symlink'
  if [ ! -e "$1" ]; then
    [ "$CREATE" = yes ] || say 'ERR missing'
    mkdir -- "$1" 2>/dev/null || [ -d "$1" ] || say 'ERR conflict'
  fi
  if [ ! -d "$1" ]; then [ "$CREATE" = yes ] && say 'ERR conflict'; say 'ERR missing'; fi
  enter "$1"
}
ws=$1
shift
[ -L "$ws" ] && say 'ERR symlink'
cd -P -- "$ws" 2>/dev/null || say 'ERR workspace'
[ "$PWD" = "$ws" ] || say 'ERR symlink'
`;

/** Walks every name but the last (left in $1). */
const WALK_PARENTS = 'while [ $# -gt 1 ]; do step "$1"; shift; done';

/**
 * Reads a file or lists a directory. A file: `FILE <size> <sha256>` then exactly <size> bytes,
 * read through one descriptor that is checked to be the regular file at the walked name. A
 * directory: `DIR` then per entry `type NUL size NUL sha256-or-dash NUL name NUL`, at most
 * LIST_LIMIT entries, then `more NUL` if there were more.
 */
export const READ_SCRIPT = String.raw`
CREATE=no
${WALK}
${WALK_PARENTS}
list() {
  printf 'DIR\n'
  shopt -s nullglob dotglob
  local count=0 e t size sum
  for e in *; do
    count=$((count + 1))
    if [ "$count" -gt "$LIST_LIMIT" ]; then printf 'more\0'; break; fi
    if [ -L "$e" ]; then t=symlink; elif [ -d "$e" ]; then t=dir; elif [ -f "$e" ]; then t=file; else t=other; fi
    size=$(stat -c %s -- "$e" 2>/dev/null) || size=0
    sum=-
    if [ "$t" = file ]; then sum=$(sha256sum < "$e" 2>/dev/null | cut -d ' ' -f 1); fi
    printf '%s\0%s\0%s\0%s\0' "$t" "$size" "$sum" "$e"
  done
  exit 0
}
[ $# -eq 0 ] && list
name=$1
[ -L "$name" ] && say 'ERR symlink'
if [ -d "$name" ]; then enter "$name"; list; fi
[ -e "$name" ] || say 'ERR missing'
[ -f "$name" ] || say 'ERR notfile'
exec 3< "$name" || say 'ERR missing'
[ "$(readlink /proc/self/fd/3)" = "$PWD/$name" ] || say 'ERR symlink'
[ -f /proc/self/fd/3 ] || say 'ERR notfile'
size=$(stat -L -c %s /proc/self/fd/3) || say 'ERR missing'
sum=$(sha256sum < /proc/self/fd/3 | cut -d ' ' -f 1)
printf 'FILE %s %s\n' "$size" "$sum"
exec head -c "$size" <&3
`;

/**
 * Stages an upload: checks the walk and the target, answers `READY <temp name>`, then copies
 * stdin (at most MAX_BYTES + 1 bytes) into a new file beside the target and answers `STAGED
 * <size>`. The rename is a separate step (COMMIT_SCRIPT), taken only once the server has
 * received the whole body, so an upload cut short never replaces a file.
 */
export const STAGE_SCRIPT = String.raw`
CREATE=yes
${WALK}
${WALK_PARENTS}
name=$1
[ -L "$name" ] && say 'ERR symlink'
[ -d "$name" ] && say 'ERR conflict'
[ ! -e "$name" ] || [ -f "$name" ] || say 'ERR conflict'
tmp=$(mktemp .ccs-upload.XXXXXXXXXX 2>/dev/null) || say 'ERR unwritable'
trap 'rm -f -- "$tmp"' EXIT
printf 'READY %s\n' "$tmp"
head -c "$((MAX_BYTES + 1))" > "$tmp" || say 'ERR unwritable'
size=$(stat -c %s -- "$tmp")
[ "$size" -le "$MAX_BYTES" ] || say 'ERR toolarge'
trap - EXIT
printf 'STAGED %s\n' "$size"
`;

/**
 * Renames a staged upload ($ACTION=commit) over the target, keeping the mode of a file it
 * replaces, or removes it ($ACTION=discard). $STAGED is the temporary name READY gave.
 */
export const COMMIT_SCRIPT = String.raw`
CREATE=no
${WALK}
${WALK_PARENTS}
name=$1
case "$STAGED" in .ccs-upload.*) ;; *) say 'ERR staged' ;; esac
case "$STAGED" in */*) say 'ERR staged' ;; esac
if [ "$ACTION" = discard ]; then rm -f -- "$STAGED"; say 'OK'; fi
{ [ -f "$STAGED" ] && [ ! -L "$STAGED" ]; } || say 'ERR staged'
if [ -L "$name" ]; then rm -f -- "$STAGED"; say 'ERR symlink'; fi
if [ -e "$name" ] && [ ! -f "$name" ]; then rm -f -- "$STAGED"; say 'ERR conflict'; fi
if [ -f "$name" ]; then mode=$(stat -c %a -- "$name") || mode=644; else mode=644; fi
chmod "$mode" -- "$STAGED" 2>/dev/null
mv -fT -- "$STAGED" "$name" 2>/dev/null || { rm -f -- "$STAGED"; say 'ERR conflict'; }
say 'OK'
`;

/** The workspace as a gzipped tar (the arguments after $1 are tar's --exclude options) on stdout (symlinks stored as links, never followed), after `ARCHIVE`. */
export const ARCHIVE_SCRIPT = String.raw`
CREATE=no
${WALK}
printf 'ARCHIVE\n'
exec tar --create --gzip --file=- --warning=no-file-changed --warning=no-file-removed "$@" .
`;
