#!/usr/bin/env bash
# Runs the whole suite (`npm ci`, `npm test`) on another Node.js, in a scratch copy of this
# checkout, so the checkout's own node_modules stay built for the machine's node:
#
#   scripts/test-on-node.sh 24        # CI runs this after the suite on the machine's own node
#
# Node comes from the npm registry (scripts/with-node.sh). The copy is this checkout's HEAD plus
# its uncommitted changes, so both runs test the same code; it is removed afterwards.
# $TEST_ON_NODE_DIR sets where the copy goes (default: a new directory under $TMPDIR).
set -euo pipefail

usage='usage: scripts/test-on-node.sh <major|version> [npm test arguments...]'
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
echo "test-on-node.sh: the suite on Node $spec in $copy" >&2
NODE_DIST_CACHE=$scratch/node "$root/scripts/with-node.sh" "$version" bash -c 'node --version && npm ci && npm test -- "$@"' bash "$@"
