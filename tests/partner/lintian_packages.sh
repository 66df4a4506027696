#!/usr/bin/env bash
# Usage: lintian_packages.sh ROOT
# Debian's lintian on the packages make_package.sh built into ROOT: no error and no warning
# (cmake/debian/ holds the package metadata that lintian checks).
set -euo pipefail
root="$1"
debs=("$root"/*.deb)
[ -f "${debs[0]}" ] || { echo "no packages in $root"; exit 1; }
lintian --fail-on error,warning --display-info "${debs[@]}"
