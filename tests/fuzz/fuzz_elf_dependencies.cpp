// libFuzzer target: the dynamic section of a plugin file, read before any of its code runs.
#include "plugin/elf_dependencies.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto read = destkit::host::read_elf_dependencies(std::string_view(reinterpret_cast<const char*>(data), size));
  if (auto* dependencies = std::get_if<destkit::host::ElfDependencies>(&read)) {
    (void)destkit::host::dependency_problem(*dependencies);
  }
  return 0;
}
