// printable — text from plugins, servers and files made safe to show on a terminal or in JSON.
//
// Such text can carry terminal escape sequences (a fake verdict drawn over the real one), line
// breaks (a fake line of output) and invalid UTF-8 (JSON output that no longer parses).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace destkit::host {

// The longest reason phrase a message quotes, and the longest message from a plugin or a
// server (set_error, a token endpoint's error_description), in bytes after printable().
inline constexpr std::size_t kShownReasonBytes = 100;
inline constexpr std::size_t kShownMessageBytes = 1000;

// `text` as one line of valid UTF-8: control characters (C0, DEL, C1), the line and paragraph
// separators U+2028/U+2029, and bidirectional controls become visible escapes (\n, \t, \x1b,
// \u009b, \u2028, \u202e), each invalid UTF-8 byte
// becomes U+FFFD, and text longer than `max_bytes` is cut at a character boundary and ends
// with "…". Applying it to its own result changes nothing.
std::string printable(std::string_view text, std::size_t max_bytes = std::string_view::npos);

}  // namespace destkit::host
