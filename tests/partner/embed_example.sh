#!/usr/bin/env bash
# Usage: embed_example.sh ROOT DOC WORK [SANITIZERS]
# The program of docs/embed.md, taken from the page itself, builds against the unpacked
# packages with find_package(destkit) and runs: it lists the bundled plugins, reports a
# missing setting per field, and gets "Credentials are valid" and "Credentials are invalid"
# from a local API (destkit mock-api on 127.0.0.1).
set -euo pipefail
root="$1" doc="$2" work="$3" sanitize="${4:-}"
# A host library built with sanitizers needs their runtime first in the program that loads it.
flags=()
if [ -n "$sanitize" ]; then
  flags=(-DCMAKE_CXX_FLAGS="-fsanitize=$sanitize" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=$sanitize")
fi
rm -rf "$work"
"$(dirname "$0")/doc_files.sh" "$doc" "$work/src"
cmake -S "$work/src" -B "$work/build" -DCMAKE_PREFIX_PATH="$root/fs/usr" "${flags[@]}" > "$work/configure.log" 2>&1 \
  || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }

destkit="$root/fs/usr/bin/destkit"
"$destkit" mock-api --certificate-dir "$work" --accept "Authorization: Bearer embed-key-0123456789" > "$work/api.out" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1200); do
  grep -q '^port ' "$work/api.out" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.05
done
port="$(awk '/^port /{print $2}' "$work/api.out")"
local_api=("$work/certificate.pem" "acme.example.com:443:127.0.0.1:$port")
program="$work/build/check-credentials"
export DESTKIT_PLUGIN_PATH=""

"$program" example-custom '{"subdomain":"acme"}' "${local_api[@]}" > "$work/missing.out" && exit 1
grep -q '^plugin example-custom (custom)$' "$work/missing.out"
grep -q '^field apiKey "API Key" required secret$' "$work/missing.out"
grep -q '^problem apiKey: ' "$work/missing.out"
grep -q '^verdict Settings are invalid' "$work/missing.out"

"$program" example-custom '{"subdomain":"acme","apiKey":"embed-key-0123456789"}' "${local_api[@]}" > "$work/valid.out"
grep -q '^verdict Credentials are valid.$' "$work/valid.out"

"$program" example-custom '{"subdomain":"acme","apiKey":"wrong-key"}' "${local_api[@]}" > "$work/wrong.out" && exit 1
grep -q '^verdict Credentials are invalid: 401 Unauthorized$' "$work/wrong.out"
if grep -q "embed-key-0123456789\|wrong-key" "$work"/*.out; then echo "a secret was printed"; exit 1; fi
echo "docs/embed.md's program built against the packages and gave the three verdicts"
