// plugin/descriptor_text — how far the host, and a runner, read a plugin descriptor's strings.
//
// abi.h asks for NUL-terminated strings; a plugin that forgets the NUL would have the reader
// run on through whatever memory follows. Each string is read at most one byte past its limit,
// and one without a NUL within its limit is refused. (A string that ends, unterminated, at the
// end of mapped memory less than its limit away still faults the reader: in a runner that ends
// the runner, which the host reports as a crash while loading.)
#pragma once

#include <cstddef>
#include <cstring>
#include <string>

namespace destkit::host {

inline constexpr std::size_t kMaxSlugBytes = 256;
inline constexpr std::size_t kMaxVersionBytes = 256;
inline constexpr std::size_t kMaxDefinitionBytes = 1 << 20;  // the limit of the JSON parser too

// Why the descriptor's slug, version or definition (none of them NULL) cannot be read, or "".
inline std::string descriptor_text_problem(const char* slug, const char* version, const char* definition) {
  struct Text {
    const char* name;
    const char* text;
    std::size_t limit;
  };
  for (const Text& t : {Text{"slug", slug, kMaxSlugBytes}, Text{"version", version, kMaxVersionBytes},
                        Text{"definition", definition, kMaxDefinitionBytes}}) {
    if (::strnlen(t.text, t.limit + 1) > t.limit) {
      return "its descriptor's " + std::string(t.name) + " is not a NUL-terminated string of at most " +
             std::to_string(t.limit) + " bytes";
    }
  }
  return {};
}

}  // namespace destkit::host
