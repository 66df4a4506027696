#!/usr/bin/env bash
# wrk against `destkit serve`'s credential-test endpoint for bench-basic, whose API is the
# peer harness's nginx (../shared/peer, 127.0.0.1:18080), and against that nginx endpoint
# itself in the same run, at 1 and 64 connections; prints one JSON line per run and the
# ratios serve/nginx. Also the service's RSS before and after the runs.
#
#   bash bench/serve_wrk.sh [SECONDS=5]     (needs nginx started by the harness, and wrk)
# Env: DESTKIT_BUILD_DIR (default ./build), WRK_CONNS ("1 64"), NGINX_PORT (18080: the
#      harness's; another port when its nginx.conf was copied and changed to listen there),
#      SERVE_ARGS (more options for serve, e.g. "--isolation in-process")
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${DESTKIT_BUILD_DIR:-$root/build}"
seconds="${1:-5}"
conns="${WRK_CONNS:-1 64}"
lua="$root/bench/serve_wrk.lua"
api="http://127.0.0.1:${NGINX_PORT:-18080}/api"
curl -fsS -o /dev/null -H 'Authorization: Basic cGVlci11c2VyOnBlZXItcGFzcw==' \
  "$api/accounts/me.json" || { echo "nginx is not answering at $api" >&2; exit 2; }

out="$(mktemp)"
"$build/bin/destkit" serve --listen 127.0.0.1:0 --plugin-path "$build/bench/plugins" \
  ${SERVE_ARGS:-} >"$out" 2>/dev/null &
serve_pid=$!
trap 'kill -TERM "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 100); do grep -q listening "$out" && break; sleep 0.1; done
origin="$(sed -n 's/^listening on //p' "$out")"
rss() { awk '/^VmRSS/ {print $2}' "/proc/$serve_pid/status"; }
echo "{\"serve_rss_kb_before\":$(rss)}"

body="{\"settings\":{\"username\":\"peer-user\",\"password\":\"peer-pass\",\"apiBase\":\"$api\"}}"
for c in $conns; do
  nginx_line="$(WRK_LABEL="nginx c=$c" wrk -t1 -c"$c" -d"${seconds}s" -s "$lua" \
    -H 'Authorization: Basic cGVlci11c2VyOnBlZXItcGFzcw==' "$api/accounts/me.json" | tail -n 1)"
  serve_line="$(WRK_LABEL="serve c=$c" WRK_BODY="$body" wrk -t1 -c"$c" -d"${seconds}s" -s "$lua" \
    "$origin/v1/destinations/bench-basic/test" | tail -n 1)"
  echo "$nginx_line"
  echo "$serve_line"
  python3 - "$nginx_line" "$serve_line" <<'PY'
import json, sys
n, s = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({"ratio_req_per_s": round(s["req_per_s"] / n["req_per_s"], 3),
                  "ratio_p99": round(s["p99_ms"] / n["p99_ms"], 1), "label": s["label"]}))
PY
done
echo "{\"serve_rss_kb_after\":$(rss)}"
