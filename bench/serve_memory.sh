#!/usr/bin/env bash
# `destkit serve`'s memory with COUNT small C destinations run isolated (serve's default): the
# service's RSS after startup, then after one credential test of every destination (one
# runner each), with the runners' RSS summed apart. Twice: a cold start (no metadata cache:
# discovery runs each plugin in a runner), then a warm one (the cache the first wrote: no
# runner until a destination is used). One JSON line each. Numbers, never assertions. Every
# request stays on 127.0.0.1 (the destinations' API is a closed port).
#
#   bash bench/serve_memory.sh [COUNT=100]       Env: DESTKIT_BUILD_DIR (default ./build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${DESTKIT_BUILD_DIR:-$root/build}"
count="${1:-100}"
work="$(mktemp -d)"
chmod 700 "$work"
mkdir -m 700 "$work/plugins"
for i in $(seq -w 1 "$count"); do
  cc -O2 -shared -fPIC -I"$root/sdk/include" -DSLUG="numbered-$i" -DAPI_URL="http://127.0.0.1:9/me" \
    -o "$work/plugins/destkit-numbered-$i.so" "$root/bench/plugins/numbered_destination.c"
done
export XDG_CACHE_HOME="$work/cache"  # serve's metadata cache: the bench's own
serve_pid=
trap 'kill -TERM "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# "runners_WHEN":N,"runners_rss_kb_WHEN":KB for serve's child processes now.
runners_rss() {
  local total=0 n=0
  for child in $(pgrep -P "$serve_pid"); do total=$((total + $(rss "$child"))); n=$((n + 1)); done
  echo "\"runners_$1\":$n,\"runners_rss_kb_$1\":$total"
}
measure() {
  "$build/bin/destkit" serve --listen 127.0.0.1:0 --plugin-path "$work/plugins" >"$work/out" 2>"$work/err" &
  serve_pid=$!
  for _ in $(seq 300); do grep -q listening "$work/out" && break; sleep 0.1; done
  local origin started
  origin="$(sed -n 's/^listening on //p' "$work/out")"
  started="\"serve_rss_kb_started\":$(rss "$serve_pid"),$(runners_rss started)"
  for i in $(seq -w 1 "$count"); do
    curl -fsS -o /dev/null -H 'Content-Type: application/json' -d '{"settings":{}}' \
      "$origin/v1/destinations/numbered-$i/test"
  done
  echo "{\"start\":\"$1\",\"destinations\":$count,$started,\"serve_rss_kb_tested\":$(rss "$serve_pid"),$(runners_rss tested)}"
  kill -TERM "$serve_pid"
  wait "$serve_pid" || true
}
measure cold
measure warm
