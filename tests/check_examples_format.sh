#!/usr/bin/env bash
# The bundled examples read as the repository's .clang-format writes them, so a partner who
# formats a copy sees no changes but their own.
# Usage: check_examples_format.sh CLANG_FORMAT FILE...
set -euo pipefail
clang_format=$1
shift
status=0
for file in "$@"; do
  # --style=file finds the .clang-format of the file's own repository.
  if "$clang_format" --style=file --dry-run -Werror "$file" >/dev/null 2>&1; then
    echo "ok   $file"
  else
    "$clang_format" --style=file "$file" | diff -u "$file" - || true
    echo "FAIL $file is not formatted as .clang-format says (- as written, + as formatted)"
    status=1
  fi
done
exit $status
