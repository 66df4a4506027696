#!/usr/bin/env bash
# Runs a browser test (python3 SCRIPT ARGS...) in a network namespace of its own, where only the
# loopback interface exists: the browser and the servers the test starts reach nothing beyond
# 127.0.0.1. Exits 77, which ctest reports as skipped, when the browser, its driver or the
# namespace cannot be had, saying why.
set -euo pipefail

for program in python3 chromium chromedriver; do
  if ! command -v "$program" >/dev/null; then
    echo "skipped: $program is not installed (scripts/install-dependencies installs it)"
    exit 77
  fi
done
# As root a plain network namespace; as another user, one inside a user namespace of its own.
namespace=(unshare -n)
if ! "${namespace[@]}" true 2>/dev/null; then
  namespace=(unshare -r -n)
  if ! "${namespace[@]}" true 2>/dev/null; then
    echo "skipped: cannot make a network namespace: unshare -n needs root, and unshare -r -n needs user namespaces"
    exit 77
  fi
fi
exec "${namespace[@]}" -- sh -c 'ip link set lo up && exec python3 "$@"' sh "$@"
