#!/usr/bin/env bash
# Every plugin file given exports dk_plugin_entry and nothing else of its own.
set -u
status=0
for plugin in "$@"; do
  symbols=$(nm -D --defined-only "$plugin" | awk '{print $3}' | sort -u | tr '\n' ' ')
  if [ "$symbols" != "dk_plugin_entry " ]; then
    echo "FAIL $plugin exports: $symbols"
    status=1
  else
    echo "ok   $plugin exports only dk_plugin_entry"
  fi
done
exit $status
