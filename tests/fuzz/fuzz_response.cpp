// libFuzzer target: a response body as a server could send it, checked and parsed with the
// limits the host applies and queried by JSON Pointer as plugins do.
#include "util/json_input.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  destkit::host::JsonLimits limits{.max_bytes = size, .max_depth = 512};
  auto parsed = destkit::host::parse_json_input(body, limits);
  // The check without a document must agree with the parse that builds one.
  if (destkit::host::check_json_input(body, limits).empty() != parsed.ok()) __builtin_trap();
  if (parsed.ok()) {
    boost::json::error_code ec;
    for (const char* pointer : {"/token", "/data/0/id", "/a~1b", ""}) parsed.value.find_pointer(pointer, ec);
    boost::json::serialize(parsed.value);
  }
  return 0;
}
