// text_search — where a pattern occurs in a text, in time that grows with the two lengths
// only: std::string_view::find compares the whole pattern again at every place where its
// start matches, which a text and pattern that repeat themselves turn into text × pattern.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace destkit::host {

// Every position where `pattern` (not empty) starts in `text`, overlapping ones included, in
// increasing order, in O(text + pattern) time (Knuth–Morris–Pratt); the first `at_most` only.
std::vector<std::size_t> occurrences(std::string_view text, std::string_view pattern, std::size_t at_most = SIZE_MAX);

// Whether `pattern` occurs in `text`, in O(text + pattern) time.
inline bool contains(std::string_view text, std::string_view pattern) {
  return pattern.empty() || !occurrences(text, pattern, 1).empty();
}

}  // namespace destkit::host
