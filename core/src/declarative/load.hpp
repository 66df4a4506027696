// declarative/load — a destkit-NAME.json file as a loaded plugin, or a rejection saying why.
//
// The file passes the same trust checks as a library (permissions, SHA-256 pin, signature) on
// the bytes it is read into, once; then its manifest is parsed and checked whole.
#pragma once

#include "plugin/loader.hpp"

namespace destkit::host::declarative {

LoadResult load_declarative(const std::filesystem::path& path, const PluginTrust& trust);

}  // namespace destkit::host::declarative
