// spelling — "did you mean ...?" for mistyped names.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace destkit::host {

// Words longer than this get no suggestion: comparing costs the product of the lengths.
inline constexpr std::size_t kLongestSpelledWord = 64;

// The candidate closest to `word` (case-insensitive edit distance), if it is close enough to
// be a plausible typo.
std::optional<std::string> closest_spelling(std::string_view word,
                                            const std::vector<std::string>& candidates);

}  // namespace destkit::host
