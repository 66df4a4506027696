#!/usr/bin/env bash
# libdestkit-host.so exports exactly the embedding API listed in host_exports.txt: an export
# added or lost (a new internal leaking out, a public function gone) fails until the list is
# updated on purpose.
set -euo pipefail
library=$1 expected=$2
actual=$(nm -DC --defined-only "$library" | cut -c20- | sort -u)
if ! diff -u "$expected" <(echo "$actual"); then
  echo "FAIL: the exports of $library differ from $expected (- expected, + actual)"
  exit 1
fi
echo "ok: $library exports the $(wc -l < "$expected") symbols of the embedding API and nothing else"
