#!/usr/bin/env bash
# The guide's table of destkit::Field lists its members in the order the struct declares them:
# C++20 designated initializers must follow that order, and a partner writes them by the table.
# Usage: check_field_table.sh DEFINITION_HPP GUIDE_MD
set -euo pipefail
header=$1 guide=$2
# Members of `struct Field { ... };`: the name before its initializer on each declaration line.
declared=$(awk '/^struct Field \{/ { inside = 1; next } inside && /^\};/ { exit }
  inside && /;/ { sub(/\/\/.*/, ""); sub(/(\{\}|=.*)?;.*$/, ""); print $NF }' "$header")
# The table after "### Fields": the backquoted names of its second column, in row order.
listed=$(awk '/^### Fields/ { inside = 1; next } inside && /^#/ { exit }
  inside && /^\| [0-9]+ \|/ { split($0, cell, "|"); s = cell[3]
    while (match(s, /`[A-Za-z_]+`/)) { print substr(s, RSTART + 1, RLENGTH - 2); s = substr(s, RSTART + RLENGTH) } }' "$guide")
if [ -z "$declared" ] || [ -z "$listed" ]; then
  echo "FAIL: found no members of struct Field in $header or no table under ### Fields in $guide"
  exit 1
fi
if ! diff -u <(echo "$declared") <(echo "$listed"); then
  echo "FAIL: the Field table of $guide differs from the order of struct Field in $header (- struct, + table)"
  exit 1
fi
echo "ok: $guide lists the $(echo "$declared" | wc -l) members of destkit::Field in declaration order"
