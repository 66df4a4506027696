#!/usr/bin/env bash
# Usage: check_guide_links.sh ROOT
# Every relative link in the guides the packages install (the README and docs/*.md under
# /usr/share/doc/destkit) leads to a file or directory the packages install: a reader of the
# installed guides follows them to the installed headers, not to paths of the source tree.
set -euo pipefail
docs="$1/fs/usr/share/doc/destkit"
broken=0
checked=0
for guide in "$docs/README.md" "$docs"/docs/*.md; do
  while IFS= read -r target; do
    path="${target%%#*}"
    [ -n "$path" ] || continue
    checked=$((checked + 1))
    if [ ! -e "$(dirname "$guide")/$path" ]; then
      echo "${guide#"$docs"/}: the link to $target leads to nothing installed"
      broken=1
    fi
  done < <(grep -oE '\]\([^) ]+\)' "$guide" | sed -E 's/^\]\((.*)\)$/\1/' | grep -vE '^(https?|mailto):')
done
[ "$checked" -gt 0 ] || { echo "no relative link found in $docs: the guides are not where this test looks"; exit 1; }
echo "$checked relative links checked"
exit "$broken"
