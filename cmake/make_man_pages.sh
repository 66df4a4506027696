#!/usr/bin/env bash
# Usage: make_man_pages.sh DESTKIT VERSION OUTDIR
# Writes OUTDIR/destkit.1.gz from `destkit --help`, and OUTDIR/destkit-COMMAND.1.gz from
# `destkit COMMAND --help` for every command that `destkit --help` lists, with help2man, so
# the man pages say what the help says. Compressed as Debian wants them (gzip -9n).
set -euo pipefail
destkit="$1"
version="$2"
out="$3"

general="$("$destkit" --help)"
# The first line reads "destkit — what it does"; the lines under "Commands:" up to the first
# blank one read "  COMMAND [ARGUMENTS]   What it does".
summary="$(head -n 1 <<< "$general" | sed 's/^destkit — //')"
commands="$(awk '/^Commands:/ { listed = 1; next } listed && /^$/ { exit } listed' <<< "$general" |
            sed -E -n 's/^  ([a-z][a-z-]*)( .*)?  +([^ ].*)$/\1\t\3/p' | grep -v '^help'$'\t' || true)"
[ -n "$commands" ] || { echo "make_man_pages.sh: no commands found in '$destkit --help'" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
see_also="$(mktemp)"
trap 'rm -f "$see_also"' EXIT

# page NAME SUMMARY HELP-OPTION: one page, with a SEE ALSO section from $see_also.
# help2man fills an indented block of the help (commands to type) into one line, and leaves
# characters beyond ASCII (the em dash) to the reader's locale: the perl pass keeps the
# block's lines apart and writes those characters as groff escapes.
page() {
  help2man --locale=C.UTF-8 --no-info --no-discard-stderr --section=1 --include="$see_also" \
    --version-string="$1 $version" --name="$2" --help-option="$3" \
    --output="$out/$1.1" "$destkit"
  perl -CSD -i -pe 's/([^\x00-\x7f])/sprintf("\\[u%04X]", ord $1)/ge;
    if (/^\./) { $block = /^\.IP$/; $lines = 0 } elsif ($block && $lines++) { print ".br\n" }' "$out/$1.1"
  gzip -9n "$out/$1.1"
}

{
  echo '[SEE ALSO]'
  cut -f1 <<< "$commands" | sed 's/^/.BR destkit-/; s/$/ (1),/' | sed '$ s/,$//'
  echo '.PP'
  echo 'The guides (README.md and docs/) and the example destinations (examples/) are'
  echo 'installed in the destkit documentation directory, /usr/share/doc/destkit in the Debian package.'
} > "$see_also"
page destkit "$summary" --help

printf '[SEE ALSO]\n.BR destkit (1)\n' > "$see_also"
while IFS=$'\t' read -r command what; do
  page "destkit-$command" "${what,}" "$command --help"
done <<< "$commands"
