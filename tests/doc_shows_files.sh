#!/usr/bin/env bash
# DOC shows each FILE whole: one of its fenced code blocks is exactly the file, so the example
# a guide prints is the one the suite builds and runs.
set -euo pipefail
doc="$1"
shift
blocks="$(mktemp -d)"
trap 'rm -rf "$blocks"' EXIT
awk -v dir="$blocks" '
  /^```/ { if (inside) { inside = 0; close(dir "/" n) } else { inside = 1; n++; printf "" > (dir "/" n) } next }
  inside { print > (dir "/" n) }' "$doc"
status=0
for file in "$@"; do
  found=no
  for block in "$blocks"/*; do
    if cmp -s "$block" "$file"; then found=yes; break; fi
  done
  if [ "$found" = yes ]; then
    echo "ok   $doc shows $file"
  else
    echo "FAIL $doc has no code block that is $file as it is"
    status=1
  fi
done
exit $status
