#!/usr/bin/env bash
# A partner's Rust destination on the unpacked package: plugins/example-rust copied out of the
# tree, its destkit dependency pointed at the installed crate, built with find_package(destkit)
# and destkit_add_rust_plugin(), then checked and loaded by the installed host.
set -euo pipefail
root="$1"
example="$2"
work="$3"
export PATH="$root/fs/usr/bin:$PATH"

rm -rf "$work"
mkdir -p "$work/acme"
cp -r "$example/Cargo.toml" "$example/src" "$work/acme/"
sed -i "s|^destkit = .*|destkit = { path = \"$root/fs/usr/share/destkit/rust\" }|" "$work/acme/Cargo.toml"
cat > "$work/acme/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(acme LANGUAGES C)
find_package(destkit CONFIG REQUIRED)
destkit_add_rust_plugin(acme CRATE .)
CMAKE

cd "$work"
cmake -S acme -B acme/build -DCMAKE_PREFIX_PATH="$root/fs/usr" > configure.log 2>&1 || { cat configure.log; exit 1; }
cmake --build acme/build > build.log 2>&1 || { cat build.log; exit 1; }
plugin=acme/build/destkit-acme.so
[ "$(nm -D --defined-only "$plugin" | awk '{print $3}')" = dk_plugin_entry ] || { nm -D --defined-only "$plugin"; exit 1; }
destkit check "$plugin"
destkit plugins --plugin-path "$work/acme/build" | grep -q "^example-rust .*$work/acme/build/destkit-acme.so"
echo "a Rust destination built out of tree against the installed crate, checked and loaded"
