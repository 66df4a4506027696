#!/bin/sh
# Runs a test that needs root. For any other user it runs nothing and exits 77, which ctest
# (SKIP_RETURN_CODE) reports as skipped rather than passed.
if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: this test needs root"
  exit 77
fi
exec "$@"
