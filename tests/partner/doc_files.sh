#!/usr/bin/env bash
# Usage: doc_files.sh DOC DIR
# Writes each file a guide shows into DIR: every code block that follows a
# "<!-- file: NAME -->" line becomes DIR/NAME, so the tests build what the page shows.
set -euo pipefail
doc="$1" dir="$2"
mkdir -p "$dir"
awk -v dir="$dir" '
  /^<!-- file: / { name = $3; next }
  name != "" && /^```/ { if (writing) { writing = 0; name = "" } else { writing = 1 } next }
  writing { print > (dir "/" name) }
' "$doc"
