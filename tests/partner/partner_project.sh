#!/usr/bin/env bash
# A partner's workflow on the unpacked package: destkit init NAME --scheme S --lang L in an
# empty directory, configure and build it out of tree with find_package(destkit), run its
# own tests (destkit check + testRequest against destkit mock-api), and load it in the host.
# A JSON project (--lang json) has nothing to build: it is checked, tested and loaded as is.
# With "clang" as the last argument the plugin is built with clang and libc++ and must load
# into the g++/libstdc++ host all the same.
set -euo pipefail
root="$1"
work="$2"
scheme="$3"
lang="$4"
toolchain="${5:-gcc}"
export PATH="$root/fs/usr/bin:$PATH"
name="acme-${scheme}-${lang}-${toolchain}"

rm -rf "$work"
mkdir -p "$work"
cd "$work"
destkit init "$name" --scheme "$scheme" --lang "$lang" > init.log

if [ "$lang" = json ]; then
  # A declarative destination: nothing to configure or build.
  destkit check "$name/destkit-$name.json"
  # The README sends the partner to the installed guide: it must be there.
  guide="$(tr '\n' ' ' < "$name/README.md" | grep -oE 'described in +`[^`]+`' | sed -E 's/.*`(.*)`/\1/')"
  [ -f "$guide" ] || { echo "the README names the guide '$guide', which is not installed"; exit 1; }
  "$name/tests/test-request.sh" "$(command -v destkit)" "$name"
  destkit plugins --plugin-path "$name" | grep -q "^$name "
  echo "$name: checked, testRequest passed, loaded by the host"
  exit 0
fi

configure=(-S "$name" -B "$name/build" -DCMAKE_PREFIX_PATH="$root/fs/usr")
if [ "$toolchain" = clang ]; then
  configure+=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
              -DCMAKE_CXX_FLAGS=-stdlib=libc++ -DCMAKE_MODULE_LINKER_FLAGS=-stdlib=libc++)
fi
cmake "${configure[@]}" > configure.log 2>&1 || { cat configure.log; exit 1; }
cmake --build "$name/build" > build.log 2>&1 || { cat build.log; exit 1; }
plugin="$name/build/destkit-$name.so"

if [ "$toolchain" = clang ]; then
  needed="$(readelf -d "$plugin" | grep NEEDED)"
  grep -q "libc++.so" <<< "$needed" || { echo "not linked with libc++: $needed"; exit 1; }
  if grep -q "libstdc++" <<< "$needed"; then echo "linked with libstdc++: $needed"; exit 1; fi
  grep -q "clang" <(readelf -p .comment "$plugin") || { echo "not built by clang"; exit 1; }
fi

ctest --test-dir "$name/build" --output-on-failure
destkit plugins --plugin-path "$name/build" | grep -q "^$name "
echo "$name: built out of tree, checked, testRequest passed, loaded by the host"
