// util/encoding — the byte-to-text encodings the host speaks: base64 (RFC 4648 §4), base64url
// without padding (§5, for PKCE and random tokens), hexadecimal and URL percent-encoding
// (RFC 3986), and Latin-1 (ISO-8859-1), in which servers still write reason phrases and some
// bodies.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace destkit::host {

std::string base64_encode(std::string_view bytes);

// Standard base64; whitespace is ignored. Nothing when the text is not base64.
std::optional<std::string> base64_decode(std::string_view text);

std::string base64url_encode(std::string_view bytes);

// Two hex digits for each byte, in lower or upper case.
enum class HexCase { lower, upper };
std::string hex_encode(std::string_view bytes, HexCase letters = HexCase::lower);

// The value of one hex digit (either case), or -1.
inline int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Everything but RFC 3986's unreserved characters, as %XX (upper-case hex).
std::string percent_encode(std::string_view text);

// UTF-8 text in Latin-1, a byte per character. Nothing when it is ASCII (the same bytes), not
// valid UTF-8, or holds a character Latin-1 lacks (above U+00FF).
std::optional<std::string> latin1_of_utf8(std::string_view text);

}  // namespace destkit::host
