#!/usr/bin/env bash
# The release check for the image: builds the Dockerfile with Docker or podman, starts it in
# --demo mode (the scripted model, no API key) with docker-compose.yml's security options, runs one
# task over HTTP to completion, checks what it wrote and /health, then removes the container.
#
#   scripts/container-smoke.sh            # CONTAINER_ENGINE=podman|docker picks one
#
# Run it before a release and whenever the Dockerfile or what it copies changes: it takes
# minutes (a full image build), so CI does not run it on every push. The image stays tagged
# claude-code-server:smoke. A machine that cannot pull the base image can make a local one
# first: scripts/container-offline-base.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

if [ -n "${CONTAINER_ENGINE:-}" ]; then
  engine=$CONTAINER_ENGINE
elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  engine=docker # a docker client without a reachable engine does not count
elif command -v podman >/dev/null 2>&1; then
  engine=podman
else
  echo "container-smoke.sh: needs Docker (with a running engine) or podman" >&2
  exit 2
fi
command -v curl >/dev/null || { echo "container-smoke.sh: needs curl" >&2; exit 2; }

image=claude-code-server:smoke
name=ccs-smoke-$$
task=smoke-$$-$RANDOM
say() { echo "container-smoke.sh: $*" >&2; }
fail() {
  say "FAILED: $*"
  "$engine" logs "$name" 2>&1 | tail -n 40 >&2 || true
  exit 1
}
cleanup() { "$engine" rm -f -v "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT

# The same options as the compose file, read from it so the two cannot drift apart.
security=()
while read -r opt; do security+=(--security-opt "$opt"); done < <(
  awk '/^ *security_opt:/ {on = 1; next} on && /^ *- / {sub(/^ *- */, ""); print; next} {on = 0}' "$root/docker-compose.yml"
)
[ ${#security[@]} -gt 0 ] || fail "no security_opt in docker-compose.yml"

say "building $image with $engine"
build_network=()
[ "$engine" = podman ] && build_network=(--network=host) # podman's build network is often absent offline
"$engine" build "${build_network[@]}" -t "$image" "$root" >&2

say "starting it: --demo ${security[*]}"
"$engine" run -d --name "$name" -p 127.0.0.1::8000 "${security[@]}" "$image" \
  node dist/src/cli/server-bin.js --demo >/dev/null
port=$("$engine" port "$name" 8000 | head -n 1 | sed 's/.*://')
base=http://127.0.0.1:$port

for _ in $(seq 60); do
  curl -fsS "$base/health" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "$base/health" >/dev/null 2>&1 || fail "no healthy /health within 60 s"

field() { node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(process.argv[1].split(".").reduce((o, k) => o?.[k], JSON.parse(s)) ?? ""))' "$1"; }

say "task $task: [[script:write-file]] (the agent writes hello.txt)"
curl -fsS -X POST "$base/api/v1/tasks" -H 'Content-Type: application/json' \
  -d "{\"task_id\": \"$task\", \"prompt\": \"[[script:write-file]]\", \"workspace\": \"smoke\"}" >/dev/null ||
  fail "submit refused"
status=
for _ in $(seq 120); do
  record=$(curl -fsS "$base/api/v1/tasks/$task") || fail "GET /api/v1/tasks/$task"
  status=$(field status <<<"$record")
  case $status in completed | failed | interrupted | timed_out) break ;; esac
  sleep 1
done
[ "$status" = completed ] || fail "task ended '$status': $record"
"$engine" exec "$name" test -s /workspace/smoke/hello.txt || fail "the task wrote no /workspace/smoke/hello.txt"

uid=$("$engine" exec "$name" id -u)
[ "$uid" = 10001 ] || fail "the server runs as uid $uid, not 10001 (app)"
health=$(curl -fsS "$base/health")
[ "$(field status <<<"$health")" = healthy ] || fail "/health: $health"
say "OK: $engine image $image, task completed, hello.txt written, server uid $uid, isolation $(field isolation <<<"$health"), /health healthy"
