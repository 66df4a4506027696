#!/usr/bin/env bash
# Usage: build_packaged_examples.sh ROOT WORK LIBDIR
# The example sources the package installs in /usr/share/doc/destkit/examples (where the
# guides send partners) build as they are against the packaged SDK, each result is a plugin
# that destkit check accepts, and cmake --install puts it where the packaged host looks
# (LIBDIR/destkit/plugins under the same prefix, whatever the project's own GNUInstallDirs).
# The declarative examples (json/) are checked and installed as they are.
set -euo pipefail
root="$1"
work="$2"
libdir="$3"
rm -rf "$work"
mkdir -p "$work"
examples="$root/fs/usr/share/doc/destkit/examples"
cmake -S "$examples" -B "$work" -DCMAKE_PREFIX_PATH="$root/fs/usr" > "$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; exit 1; }
cmake --build "$work" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
cmake --install "$work" --prefix "$work/prefix" > "$work/install.log"
count=0
for source_dir in "$examples"/*/; do
  name="$(basename "$source_dir")"
  if [ "$name" = json ]; then
    # The declarative examples: nothing to build, installed as they are.
    for manifest in "$source_dir"destkit-*.json; do
      "$root/fs/usr/bin/destkit" check "$manifest"
      [ -f "$work/prefix/$libdir/destkit/plugins/$(basename "$manifest")" ] ||
        { echo "$(basename "$manifest") is not installed in $libdir/destkit/plugins"; exit 1; }
    done
    continue
  fi
  "$root/fs/usr/bin/destkit" check "$work/destkit-$name.so"
  [ -f "$work/prefix/$libdir/destkit/plugins/destkit-$name.so" ] || { echo "$name is not installed in $libdir/destkit/plugins"; exit 1; }
  count=$((count + 1))
done
[ "$count" -ge 5 ] || { echo "only $count examples in $examples"; exit 1; }
