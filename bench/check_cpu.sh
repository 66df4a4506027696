#!/usr/bin/env bash
# CPU µs per sequential credential check, destkit (embedding API) against a bare libcurl loop,
# both against one nginx on loopback in the same run (bench/bench_check_cpu.cpp).
#
#   bash bench/check_cpu.sh [N=5000] [ROUNDS=5]
# Env: DESTKIT_BUILD_DIR (default ./build); PEER_DIR (default ../shared/peer from the
#      repository's parent): its nginx/nginx.conf is copied, set to listen on NGINX_PORT
#      (default 18090), started in a temporary prefix and stopped by its pid at the end.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${DESTKIT_BUILD_DIR:-$root/build}"
peer="${PEER_DIR:-$root/../shared/peer}"
port="${NGINX_PORT:-18090}"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "127.0.0.1:$port is in use; set NGINX_PORT to a free port" >&2
  exit 2
fi
prefix="$(mktemp -d)"
mkdir -p "$prefix/logs" "$prefix/tmp"
sed "s/127\.0\.0\.1:18080/127.0.0.1:$port/" "$peer/nginx/nginx.conf" >"$prefix/nginx.conf"
nginx -p "$prefix/" -c "$prefix/nginx.conf" &
nginx_pid=$!
trap 'kill -QUIT "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null; rm -rf "$prefix"' EXIT
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
"$build/bin/destkit-bench-check-cpu" --api "http://127.0.0.1:$port/api" --n "${1:-5000}" --rounds "${2:-5}"
