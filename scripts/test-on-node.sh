#!/usr/bin/env bash
# Runs the whole suite (`npm test`) on another Node.js, in a scratch copy of this checkout, so
# the checkout's own node_modules stay built for the machine's node:
#
#   scripts/test-on-node.sh 24        # CI runs this after the suite on the machine's own node
#
# Node comes from the npm registry (scripts/with-node.sh). The copy is this checkout's HEAD plus
# its uncommitted changes, so both runs test the same code; it is removed afterwards.
# $TEST_ON_NODE_DIR sets where the copy goes (default: a new directory under $TMPDIR).
#
# The copy's node_modules are the checkout's own, hard-linked (no download, no copying), when they
# are exactly what `npm ci` would install from the copy's package-lock.json
# (scripts/node-modules-match-lock.mjs); else `npm ci` installs them. Either way better-sqlite3,
# the one addon built for one Node at a time (the others use Node-API), is compiled for the other
# Node, once per version: the build is kept in ~/.cache/claude-code-server/addons/.
#
#   scripts/test-on-node.sh --prepare 24   # only that: fetch Node and build the addon, no tests
#
# CI runs --prepare in the background while lint (single-threaded) keeps one core busy.
set -euo pipefail

usage='usage: scripts/test-on-node.sh [--prepare] <major|version> [npm test arguments...]'
prepare_only=false
if [ "${1:-}" = --prepare ]; then
  prepare_only=true
  shift
fi
spec=${1:?$usage}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1 || {
  echo "test-on-node.sh: $root is not a git checkout" >&2
  exit 2
}

scratch=${TEST_ON_NODE_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/ccs-node$spec.XXXXXX")}
trap 'rm -rf "$scratch"' EXIT
# Readable by everyone, as a checkout is: suites run the daemon as unprivileged uids, which must
# reach both the copy and node (the cache under a root-only $HOME is out of their reach).
chmod 755 "$scratch"
cached=$("$root/scripts/with-node.sh" "$spec" bash -c 'echo "$npm_config_nodedir"')
version=$(basename "$cached")
mkdir -p "$scratch/node"
cp -al "$cached" "$scratch/node/$version" 2>/dev/null || cp -a "$cached" "$scratch/node/$version"
copy=$scratch/checkout
git clone -q --no-checkout "$root" "$copy"
git -C "$copy" checkout -q --detach "$(git -C "$root" rev-parse HEAD)"
# Uncommitted work: changed and new files (not ignored ones) copied over, deleted ones removed.
(cd "$root" && git ls-files -z --modified --others --exclude-standard | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$copy"
(cd "$root" && git ls-files -z --deleted) | (cd "$copy" && xargs -0 -r rm -f --)

cd "$copy"
on_node() { NODE_DIST_CACHE=$scratch/node "$root/scripts/with-node.sh" "$version" "$@"; }
modules=$(cd "$root/node_modules" 2>/dev/null && pwd -P) || modules=
if [ -n "$modules" ] && node scripts/node-modules-match-lock.mjs "$modules" "$copy"; then
  echo "test-on-node.sh: reusing $root/node_modules (hard links), better-sqlite3 built for Node $version" >&2
  # Nothing run in the copy may write through a hard link into the checkout's own files: what tools
  # write into node_modules (vitest's and vite's caches, in dot folders) is left out, the hidden
  # lockfile is copied, and better-sqlite3, whose build/ is replaced, is a real copy.
  mkdir node_modules
  for entry in "$modules"/* "$modules"/.bin; do
    # Another file system cannot hold a hard link: a real copy there.
    [ "${entry##*/}" = better-sqlite3 ] || cp -al "$entry" node_modules/ 2>/dev/null || cp -a "$entry" node_modules/
  done
  cp -p "$modules/.package-lock.json" node_modules/
  cp -a "$modules/better-sqlite3" node_modules/
  rm -rf node_modules/better-sqlite3/build
  addon=$(node -p "const p = require('./package-lock.json').packages['node_modules/better-sqlite3']; p.version + '-' + require('node:crypto').createHash('sha256').update(p.integrity).digest('hex').slice(0, 16)")
  built=${XDG_CACHE_HOME:-$HOME/.cache}/claude-code-server/addons/better-sqlite3-$addon-node-v$version
  if [ ! -f "$built/Release/better_sqlite3.node" ]; then
    # Its install script, as `npm ci` runs it: compiled from source against Node's own headers.
    on_node env JOBS=max npm rebuild better-sqlite3
    mkdir -p "$(dirname "$built")"
    staging=$(mktemp -d "$built.XXXXXX")
    mkdir "$staging/Release"
    cp -p node_modules/better-sqlite3/build/Release/*.node "$staging/Release/"
    # A rename is atomic: a concurrent run of the same version leaves one complete build.
    mv -T "$staging" "$built" 2>/dev/null || rm -rf "$staging"
  else
    mkdir -p node_modules/better-sqlite3/build/Release
    cp -p "$built"/Release/*.node node_modules/better-sqlite3/build/Release/
  fi
  install=:
else
  # Nothing to prepare: the run itself installs with `npm ci`.
  $prepare_only && exit 0
  install='npm ci'
fi
$prepare_only && exit 0
echo "test-on-node.sh: the suite on Node $spec in $copy" >&2
on_node bash -c 'node --version && '"$install"' && npm test -- "$@"' bash "$@"
