// spelling — "did you mean ...?" for mistyped names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace destkit::host {

// The candidate closest to `word` (case-insensitive edit distance), if it is close enough to
// be a plausible typo.
std::optional<std::string> closest_spelling(std::string_view word,
                                            const std::vector<std::string>& candidates);

}  // namespace destkit::host
