#include "http/text_search.hpp"

#include <cstdint>
#include <cstring>

namespace destkit::host {

namespace {

// border[k]: the length of the longest proper prefix of pattern[0, k] that is also its suffix.
std::vector<std::uint32_t> borders(std::string_view pattern) {
  std::vector<std::uint32_t> border(pattern.size(), 0);
  std::uint32_t length = 0;
  for (std::size_t k = 1; k < pattern.size(); ++k) {
    while (length > 0 && pattern[k] != pattern[length]) length = border[length - 1];
    if (pattern[k] == pattern[length]) ++length;
    border[k] = length;
  }
  return border;
}

}  // namespace

std::vector<std::size_t> occurrences(std::string_view text, std::string_view pattern, std::size_t at_most) {
  std::vector<std::size_t> found;
  const std::size_t size = pattern.size();
  if (size == 0 || size > text.size()) return found;
  std::vector<std::uint32_t> border;  // computed at the first partial match that fails: most texts have none
  auto shorter_match = [&](std::size_t matched) {
    if (border.empty()) border = borders(pattern);
    return border[matched - 1];
  };
  std::size_t matched = 0;  // how many bytes of the pattern end at the current position
  for (std::size_t at = 0; at < text.size(); ++at) {
    if (matched == 0) {  // skip to the next byte that can start the pattern
      const void* next = std::memchr(text.data() + at, pattern[0], text.size() - at);
      if (next == nullptr) break;
      at = static_cast<const char*>(next) - text.data();
    }
    while (matched > 0 && text[at] != pattern[matched]) matched = shorter_match(matched);
    if (text[at] == pattern[matched]) ++matched;
    if (matched == size) {
      found.push_back(at + 1 - size);
      if (found.size() == at_most) break;
      matched = shorter_match(matched);
    }
  }
  return found;
}

}  // namespace destkit::host
