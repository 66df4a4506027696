// elf_dependencies — which other libraries a plugin file makes the dynamic loader open.
//
// Read from the file's bytes the way the loader reads them: the dynamic array and string
// table are found through the program headers and the loadable segments (what ld.so maps),
// not through the section headers. The bytes are untrusted: every offset and size is checked,
// and anything the loader could read differently from this reader (two dynamic segments,
// overlapping segments, a string running out of its table) is a problem, not a guess.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace destkit::host {

struct ElfDependencies {
  std::vector<std::string> needed;        // DT_NEEDED, DT_FILTER and DT_AUXILIARY names
  std::vector<std::string> search_paths;  // DT_RPATH and DT_RUNPATH, one entry per directory
};

// The dependencies of an ELF shared library of this host's class and byte order, or why
// they cannot be read.
std::variant<ElfDependencies, std::string> read_elf_dependencies(std::string_view bytes);

// Why `dependencies` reach outside the system library directories (a RUNPATH/RPATH entry that
// is not one of them, a library name that is a path or that none of them holds), or "".
std::string dependency_problem(const ElfDependencies& dependencies);

}  // namespace destkit::host
