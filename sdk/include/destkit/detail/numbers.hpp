// destkit/detail/numbers.hpp — reads the number text the host hands out (the shortest
// round-trip decimal) without strtod, whose decimal point follows the process locale.
#pragma once

#include <charconv>
#include <locale>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace destkit::detail {

// True when all of `text` is one number that fits in `out`.
template <class Number>
bool parse_number(std::string_view text, Number& out) {
  const char* last = text.data() + text.size();
  if constexpr (std::is_integral_v<Number>) {
    auto [end, ec] = std::from_chars(text.data(), last, out);
    return ec == std::errc() && end == last && !text.empty();
  } else {
#if defined(__cpp_lib_to_chars)
    auto [end, ec] = std::from_chars(text.data(), last, out);
    return ec == std::errc() && end == last && !text.empty();
#else
    // Standard libraries without floating-point from_chars (libc++ before 20): a stream fixed
    // to the classic locale reads the same text the same way in every process.
    std::istringstream in{std::string(text)};
    in.imbue(std::locale::classic());
    in >> out;
    return !in.fail() && in.peek() == std::char_traits<char>::eof();
#endif
  }
}

}  // namespace destkit::detail
