// libFuzzer target: definition JSON as a plugin could hand it to the host.
#include "definition/parse.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  destkit::host::parse_definition(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
