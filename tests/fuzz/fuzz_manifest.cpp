// libFuzzer target: a declarative destination's manifest (destkit-NAME.json), parsed and
// checked whole as the host does at load, its templates included.
#include "declarative/manifest.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  destkit::host::declarative::parse_manifest(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
