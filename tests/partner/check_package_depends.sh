#!/usr/bin/env bash
# Usage: check_package_depends.sh ROOT LIBDIR
# The packages' Depends are written by hand in cmake/packaging.cmake, so nothing else notices
# when a binary starts linking a new library: every library that an ELF file in a package
# links directly must be in that package or come from a package its Depends names. ROOT holds
# the .deb files and, in ROOT/fs, all of them unpacked (make_package.sh).
set -euo pipefail
root="$1"
libdir="$2"

# Which of our packages ships each file name, to name the provider of our own libraries.
owners="$(for deb in "$root"/*.deb; do
  dpkg-deb -c "$deb" | awk -v p="$(dpkg-deb -f "$deb" Package)" '{n = split($6, part, "/"); print part[n], p}'
done)"

# find_provider PATH: sets $provider to the package that holds the file, ours or the
# system's; dpkg -S is slow, so each answer is kept in $providers.
declare -A providers
find_provider() {
  if [ -z "${providers[$1]:-}" ]; then
    case "$1" in
      "$root"/fs/*) providers[$1]="$(awk -v f="${1##*/}" '$1 == f {print $2; exit}' <<< "$owners")" ;;
      *) providers[$1]="$({ dpkg -S "$1" 2>/dev/null || dpkg -S "$(readlink -f "$1")"; } | head -n 1 | cut -d: -f1)" ;;
    esac
  fi
  provider="${providers[$1]}"
}

missing=0
for deb in "$root"/*.deb; do
  package="$(dpkg-deb -f "$deb" Package)"
  depends=" $(dpkg-deb -f "$deb" Depends | sed -E 's/\([^)]*\)//g; s/[,|]/ /g') "
  while read -r file; do
    [ "$(head -c 4 "$root/fs/$file" | tr -d '\0')" = $'\x7fELF' ] || continue
    resolved="$(LD_LIBRARY_PATH="$root/fs/usr/$libdir" ldd "$root/fs/$file")"
    for lib in $(readelf -d "$root/fs/$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
      # ldd prints "NAME => PATH (address)", or "PATH (address)" for the dynamic loader.
      path="$(awk -v lib="$lib" '$1 == lib && $2 == "=>" {print $3; exit}
                                 substr($1, length($1) - length(lib)) == "/" lib {print $1; exit}' <<< "$resolved")"
      [ -n "$path" ] || { echo "$package: $file links $lib, which is not found"; missing=1; continue; }
      find_provider "$path"
      if [ -z "$provider" ]; then
        echo "$package: $file links $path, which no package holds"; missing=1
      elif [ "$provider" != "$package" ] && [[ "$depends" != *" $provider "* ]]; then
        echo "$package: $file links $lib from $provider, which Depends does not name:$depends"; missing=1
      fi
    done
  done < <(dpkg-deb -c "$deb" | awk '$1 ~ /^-/ {print $6}')
done
exit "$missing"
