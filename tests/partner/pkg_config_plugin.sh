#!/usr/bin/env bash
# Usage: pkg_config_plugin.sh ROOT SOURCE WORK LIBDIR
# A partner without CMake: the plain C example built with pkg-config's flags alone is a valid
# plugin that exports only its entry point.
set -euo pipefail
root="$1"
source_file="$2"
work="$3"
libdir="$4"
rm -rf "$work"
mkdir -p "$work"
export PKG_CONFIG_PATH="$root/fs/usr/$libdir/pkgconfig"
for package in destkit-sdk destkit-host; do
  flags="$(pkg-config --cflags --libs "$package")"
  [[ "$flags" != *//* ]] || { echo "a doubled slash in $package's paths: $flags"; exit 1; }
done
cc -std=c99 $(pkg-config --cflags destkit-sdk) -c "$source_file" -o "$work/plugin.o"
cc "$work/plugin.o" $(pkg-config --libs destkit-sdk) -o "$work/destkit-from-pkg-config.so"
[ "$(nm -D --defined-only "$work/destkit-from-pkg-config.so" | awk '{print $3}')" = dk_plugin_entry ]
"$root/fs/usr/bin/destkit" check "$work/destkit-from-pkg-config.so"
