#!/usr/bin/env bash
# Usage: make_package.sh BUILD_DIR ROOT LIBDIR
# Builds the Debian packages from the build tree, checks that each holds its part (and that
# no file is in two of them), that apt accepts them together, and unpacks them all into
# ROOT/fs: the partner's machine "with destkit installed". LIBDIR is CMAKE_INSTALL_LIBDIR.
set -euo pipefail
build_dir="$1"
root="$2"
libdir="$3"
rm -rf "$root"
mkdir -p "$root"
cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$root" > "$root/cpack.log" 2>&1 ||
  { cat "$root/cpack.log"; exit 1; }

deb_of() {
  local deb=("$root/$1"_*.deb)
  [ -f "${deb[0]}" ] || { echo "cpack made no $1 package" >&2; cat "$root/cpack.log" >&2; exit 1; }
  echo "${deb[0]}"
}
# holds PACKAGE PATH...: each /usr/PATH is in PACKAGE.
holds() {
  local package="$1"
  shift
  local paths
  paths="$(dpkg-deb -c "$(deb_of "$package")" | awk '{print $6}')"
  for path in "$@"; do
    grep -qxF "./usr/$path" <<< "$paths" || { echo "$package lacks /usr/$path"; exit 1; }
  done
}

[[ "$libdir" == lib/*-linux-gnu* ]] || { echo "libraries go to lib/, not to the multiarch directory: $libdir"; exit 1; }
doc=share/doc/destkit
holds destkit bin/destkit "$libdir/destkit/plugins/destkit-example-basic.so" \
  "$doc/README.md" "$doc/docs/write-a-destination.md" "$doc/docs/abi.md" \
  "$doc/examples/CMakeLists.txt" "$doc/examples/example-c/example_c.c" \
  "$doc/examples/example-custom/example_custom.cpp" "$doc/copyright" "$doc/changelog.gz" \
  share/man/man1/destkit.1.gz share/man/man1/destkit-test-auth.1.gz share/man/man1/destkit-init.1.gz
holds libdestkit-host0 "$libdir/libdestkit-host.so.0" \
  share/doc/libdestkit-host0/copyright share/doc/libdestkit-host0/changelog.gz
holds destkit-dev include/destkit/abi.h include/destkit/destkit.hpp include/destkit/host/host.hpp \
  "$libdir/libdestkit-host.so" "$libdir/cmake/destkit/destkitConfig.cmake" \
  "$libdir/cmake/destkit/destkit_add_plugin.cmake" "$libdir/cmake/destkit/destkit_add_rust_plugin.cmake" \
  share/destkit/rust/src/lib.rs "$libdir/pkgconfig/destkit-sdk.pc" \
  "$libdir/pkgconfig/destkit-host.pc" share/doc/destkit-dev/copyright share/doc/destkit-dev/changelog.gz \
  include/destkit/testing.hpp include/destkit/host/extension.hpp "$libdir/libdestkit-testing.a" \
  "$libdir/cmake/destkit/destkitTestingTargets.cmake" "$libdir/pkgconfig/destkit-testing.pc"

debs=("$(deb_of destkit)" "$(deb_of libdestkit-host0)" "$(deb_of destkit-dev)")
files="$(for deb in "${debs[@]}"; do dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}'; done)"
if grep -q "test-probe\|variant-" <<< "$files"; then echo "a package holds test plugins"; exit 1; fi
twice="$(sort <<< "$files" | uniq -d)"
[ -z "$twice" ] || { echo "files in two packages (dpkg would refuse to install them): $twice"; exit 1; }

# apt must accept the files together as they are (simulated: the test never changes the system).
if [ "$(id -u)" -eq 0 ]; then
  apt-get install -s "${debs[@]}" > "$root/apt.log" 2>&1 || { cat "$root/apt.log"; exit 1; }
fi
for deb in "${debs[@]}"; do dpkg-deb -x "$deb" "$root/fs"; done
"$root/fs/usr/bin/destkit" plugins | grep -q "^example-custom .*$root/fs/usr/$libdir/destkit/plugins/"
echo "packages ok: ${debs[*]}"
