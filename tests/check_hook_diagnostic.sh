#!/bin/sh
# Compiles a destination with one wrongly shaped hook and checks that the compiler reports
# exactly one error, the SDK's sentence for that hook.
# Usage: check_hook_diagnostic.sh CXX SDK_INCLUDE_DIR SOURCE MACRO "expected sentence"
cxx=$1 include=$2 source=$3 macro=$4 expected=$5
output=$("$cxx" -std=c++20 -fsyntax-only -I"$include" -D"$macro" "$source" 2>&1) && {
  echo "FAIL: $source compiled with -D$macro"
  exit 1
}
errors=$(printf '%s\n' "$output" | grep -c 'error:')
if [ "$errors" -ne 1 ] || ! printf '%s\n' "$output" | grep 'error:' | grep -qF "$expected"; then
  printf '%s\n' "$output"
  echo "FAIL: expected one error saying: $expected (got $errors errors)"
  exit 1
fi
echo "one error: $expected"
