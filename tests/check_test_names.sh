#!/usr/bin/env bash
# Catch2 2.13's console reporter wraps a test's name after its first ": ", and loops forever
# printing a failed test whose ": " comes too close to the console's 80 columns. Each test
# program's names keep it within the first 70, so a failure is reported, not a hang.
# Usage: check_test_names.sh TEST_PROGRAM...
set -euo pipefail
status=0
for program in "$@"; do
  while IFS= read -r name; do
    prefix="${name%%: *}"
    if [ "$prefix" != "$name" ] && [ "${#prefix}" -gt 68 ]; then
      echo "FAIL $(basename "$program"): \": \" at column $((${#prefix} + 1)) of \"$name\""
      status=1
    fi
  done < <("$program" --list-test-names-only)
done
[ $status -eq 0 ] && echo "ok   every test name of $# programs wraps at a \": \" within 70 columns"
exit $status
