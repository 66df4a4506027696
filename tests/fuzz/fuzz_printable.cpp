// libFuzzer target: printable(), the output sanitizer. The first byte picks a cap, the rest is
// the text. The result fits the cap, is left unchanged by a second pass (so it holds no control
// character and no invalid UTF-8), and survives a round trip through JSON.
#include "util/printable.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t cap = data[0] == 0xFF ? std::string::npos : data[0] * 8;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string shown = destkit::host::printable(text, cap);
  boost::json::error_code ec;
  boost::json::value parsed = boost::json::parse(boost::json::serialize(boost::json::string(shown)), ec);
  if (shown.size() > cap || destkit::host::printable(shown, cap) != shown || destkit::host::printable(shown) != shown ||
      ec || parsed.as_string() != shown) {
    std::abort();
  }
  return 0;
}
