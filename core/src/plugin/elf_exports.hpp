// elf_exports — whether a plugin file exports a function, answered from its bytes the way
// `dlsym` would find it: through the dynamic symbol table and its GNU or System V hash table
// (elf_image.hpp), never through the section headers, which the loader does not read.
#pragma once

#include "plugin/elf_image.hpp"

#include <string>
#include <string_view>
#include <variant>

namespace destkit::host {

// Whether `image` defines and exports a function (or an indirect function) named `name`
// with global or weak binding and default or protected visibility; or why its symbol tables
// cannot be read.
std::variant<bool, std::string> exports_function(const ElfImage& image, std::string_view name);

}  // namespace destkit::host
