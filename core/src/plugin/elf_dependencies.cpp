#include "plugin/elf_dependencies.hpp"

#include "plugin/elf_image.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <sys/stat.h>
#include <unistd.h>

namespace destkit::host {
namespace {

// Where glibc looks by default (DESTKIT_LIBRARY_ARCHITECTURE is the multiarch folder, e.g.
// x86_64-linux-gnu); what /etc/ld.so.conf adds is left out.
const std::array<std::string, 6>& system_library_directories() {
  static const std::string arch = DESTKIT_LIBRARY_ARCHITECTURE;
  static const std::array<std::string, 6> directories{
      "/lib", "/usr/lib", "/lib64", "/usr/lib64",
      arch.empty() ? "/lib" : "/lib/" + arch, arch.empty() ? "/usr/lib" : "/usr/lib/" + arch};
  return directories;
}

}  // namespace

std::variant<ElfDependencies, std::string> read_elf_dependencies(std::string_view bytes) {
  auto read = read_elf_image(bytes);
  if (auto* problem = std::get_if<std::string>(&read)) return *problem;
  const ElfImage& image = std::get<ElfImage>(read);

  ElfDependencies out;
  std::vector<std::pair<std::int64_t, std::uint64_t>> names;  // tag, offset in the string table
  for (const auto& entry : image.dynamic) {
    if (entry.d_tag == DT_NEEDED || entry.d_tag == DT_FILTER || entry.d_tag == DT_AUXILIARY ||
        entry.d_tag == DT_RPATH || entry.d_tag == DT_RUNPATH) {
      names.emplace_back(entry.d_tag, entry.d_un.d_val);
    }
  }
  auto strtab = image.single(DT_STRTAB), strsz = image.single(DT_STRSZ);
  for (const auto* tag : {&strtab, &strsz}) {
    if (auto* problem = std::get_if<std::string>(tag)) return *problem;
  }
  if (names.empty()) return out;
  auto table = std::get<0>(strtab), table_size = std::get<0>(strsz);
  if (!table || !table_size || !image.at(*table, *table_size)) {
    return std::string("its dynamic string table is missing or outside its segment");
  }

  for (const auto& [tag, offset] : names) {
    std::optional<std::string_view> name = image.string_at(*table, *table_size, offset);
    if (!name) return std::string("a name in its dynamic section runs past the string table");
    if (tag != DT_RPATH && tag != DT_RUNPATH) {
      out.needed.emplace_back(*name);
      continue;
    }
    // The loader splits on ':'; an empty entry means the current directory.
    for (std::size_t start = 0;;) {
      std::size_t colon = name->find(':', start);
      out.search_paths.emplace_back(name->substr(start, colon - start));
      if (colon == std::string_view::npos) break;
      start = colon + 1;
    }
  }
  return out;
}

std::string dependency_problem(const ElfDependencies& dependencies) {
  const auto& system = system_library_directories();
  for (const std::string& entry : dependencies.search_paths) {
    std::string directory = entry;
    while (directory.size() > 1 && directory.back() == '/') directory.pop_back();
    if (std::find(system.begin(), system.end(), directory) == system.end()) {
      return fmt::format("its RUNPATH/RPATH \"{}\" reaches outside the system library directories", entry);
    }
  }
  for (const std::string& name : dependencies.needed) {
    if (name.empty() || name.find_first_of("/$") != std::string::npos) {
      return fmt::format("it needs \"{}\", a path rather than a library name", name);
    }
    bool found = std::any_of(system.begin(), system.end(), [&](const std::string& directory) {
      struct stat st {};
      return ::stat((directory + "/" + name).c_str(), &st) == 0 && S_ISREG(st.st_mode);
    });
    if (!found) return fmt::format("it needs {}, which is in no system library directory", name);
  }
  return {};
}

}  // namespace destkit::host
