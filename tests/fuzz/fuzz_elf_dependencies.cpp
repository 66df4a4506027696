// libFuzzer target: what the host reads from a plugin file before any of its code runs (the
// libraries its dynamic section names, and whether it exports the entry point).
#include "plugin/elf_dependencies.hpp"
#include "plugin/elf_exports.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto read = destkit::host::read_elf_dependencies(bytes);
  if (auto* dependencies = std::get_if<destkit::host::ElfDependencies>(&read)) {
    (void)destkit::host::dependency_problem(*dependencies);
  }
  auto image = destkit::host::read_elf_image(bytes);
  if (auto* readable = std::get_if<destkit::host::ElfImage>(&image)) {
    (void)destkit::host::exports_function(*readable, "dk_plugin_entry");
  }
  return 0;
}
