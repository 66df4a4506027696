#!/usr/bin/env bash
# Every plugin file given exports dk_plugin_entry and nothing else of its own, and carries no
# RUNPATH/RPATH (an empty entry in one means the current directory).
set -u
status=0
for plugin in "$@"; do
  symbols=$(nm -D --defined-only "$plugin" | awk '{print $3}' | sort -u | tr '\n' ' ')
  if [ "$symbols" != "dk_plugin_entry " ]; then
    echo "FAIL $plugin exports: $symbols"
    status=1
  elif readelf -d "$plugin" | grep -q "(RUNPATH)\|(RPATH)"; then
    echo "FAIL $plugin has a library search path: $(readelf -d "$plugin" | grep "PATH")"
    status=1
  else
    echo "ok   $plugin exports only dk_plugin_entry and has no RUNPATH"
  fi
done
exit $status
