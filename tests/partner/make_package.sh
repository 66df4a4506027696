#!/usr/bin/env bash
# Builds the Debian package from the build tree, checks what it holds and that apt accepts
# it, and unpacks it into ROOT/fs: the partner's machine "with destkit installed".
set -euo pipefail
build_dir="$1"
root="$2"
rm -rf "$root"
mkdir -p "$root"
cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$root" > "$root/cpack.log"
deb=("$root"/destkit_*.deb)
[ -f "${deb[0]}" ] || { echo "cpack made no .deb"; cat "$root/cpack.log"; exit 1; }

contents="$(dpkg-deb -c "${deb[0]}")"
for path in ./usr/bin/destkit ./usr/lib/libdestkit-host.so.0 ./usr/include/destkit/abi.h \
            ./usr/include/destkit/destkit.hpp ./usr/include/destkit/host/host.hpp \
            ./usr/lib/cmake/destkit/destkitConfig.cmake ./usr/lib/cmake/destkit/destkit_add_plugin.cmake \
            ./usr/lib/pkgconfig/destkit-sdk.pc ./usr/lib/destkit/plugins/destkit-example-basic.so \
            ./usr/lib/destkit/plugins/destkit-example-rust.so ./usr/share/destkit/rust/src/lib.rs \
            ./usr/lib/cmake/destkit/destkit_add_rust_plugin.cmake; do
  grep -q " $path" <<< "$contents" || { echo "the package lacks $path"; exit 1; }
done
if grep -q "test-probe\|variant-" <<< "$contents"; then echo "the package holds test plugins"; exit 1; fi

# apt must accept the file as it is (simulated: the test never changes the system).
if [ "$(id -u)" -eq 0 ]; then
  apt-get install -s "${deb[0]}" > "$root/apt.log" 2>&1 || { cat "$root/apt.log"; exit 1; }
fi
dpkg-deb -x "${deb[0]}" "$root/fs"
"$root/fs/usr/bin/destkit" plugins | grep -q "^example-custom .*$root/fs/usr/lib/destkit/plugins/"
echo "package ok: ${deb[0]}"
