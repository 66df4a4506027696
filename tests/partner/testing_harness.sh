#!/usr/bin/env bash
# Usage: testing_harness.sh ROOT DOC WORK LIBDIR [SANITIZERS]
# The harness example of docs/write-a-destination.md, taken from the page itself, builds against
# the unpacked packages twice, with find_package(destkit) (destkit::testing) and with
# pkg-config alone (destkit-testing), and each build passes against the packaged example-custom.
set -euo pipefail
root="$1" doc="$2" work="$3" libdir="$4" sanitize="${5:-}"
# A harness library built with sanitizers needs their runtime linked into the test program.
cmake_flags=() compiler_flags=()
if [ -n "$sanitize" ]; then
  cmake_flags=(-DCMAKE_CXX_FLAGS="-fsanitize=$sanitize" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=$sanitize")
  compiler_flags=(-fsanitize="$sanitize")
fi
rm -rf "$work"
"$(dirname "$0")/doc_files.sh" "$doc" "$work/src"
plugin="$root/fs/usr/$libdir/destkit/plugins/destkit-example-custom.so"
export DESTKIT_PLUGIN_PATH=""

cmake -S "$work/src" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$root/fs/usr" "${cmake_flags[@]}" > "$work/configure.log" 2>&1 \
  || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/cmake" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
"$work/cmake/plugin_test" "$plugin"

export PKG_CONFIG_PATH="$root/fs/usr/$libdir/pkgconfig"
# shellcheck disable=SC2046  # pkg-config prints separate words on purpose
g++ -std=c++20 "${compiler_flags[@]}" -o "$work/plugin_test_pc" "$work/src/plugin_test.cpp" $(pkg-config --cflags --libs destkit-testing) \
  -Wl,-rpath,"$root/fs/usr/$libdir"
"$work/plugin_test_pc" "$plugin"
echo "the guide's harness example built with CMake and with pkg-config, and passed"
