#include "util/printable.hpp"

#include <algorithm>

namespace destkit::host {
namespace {

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // …
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD, for each invalid byte

// Length of the valid UTF-8 sequence at the start of `s` and its code point; 0 when invalid
// (stray continuation byte, overlong form, surrogate, beyond U+10FFFF, cut short).
std::size_t decode(std::string_view s, char32_t& cp) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char lead = byte(0);
  std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || length > s.size()) return 0;
  cp = length == 1 ? lead : lead & (0x7F >> length);
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  static constexpr char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < smallest[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return length;
}

bool is_bidi_control(char32_t cp) { return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069); }

// U+2028 and U+2029 end a line in many terminals, editors and JavaScript: a line break all the
// same. U+200E/U+200F and U+061C change the order text is shown in, as the bidi controls do.
bool breaks_or_reorders(char32_t cp) {
  return cp == 0x2028 || cp == 0x2029 || cp == 0x200E || cp == 0x200F || cp == 0x061C || is_bidi_control(cp);
}

// What one character becomes; escapes are written into `buffer`.
std::string_view shown_form(char32_t cp, std::string_view bytes, char (&buffer)[8]) {
  static constexpr char hex[] = "0123456789abcdef";
  switch (cp) {
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default: break;
  }
  if (cp < 0x20 || cp == 0x7F) {
    buffer[0] = '\\', buffer[1] = 'x', buffer[2] = hex[cp >> 4], buffer[3] = hex[cp & 0xF];
    return {buffer, 4};
  }
  if ((cp >= 0x80 && cp <= 0x9F) || breaks_or_reorders(cp)) {
    buffer[0] = '\\', buffer[1] = 'u';
    for (int i = 0; i < 4; ++i) buffer[2 + i] = hex[(cp >> (12 - 4 * i)) & 0xF];
    return {buffer, 6};
  }
  return bytes;
}

}  // namespace

std::string printable(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  std::size_t cut = 0;  // the longest prefix, at a character boundary, that leaves room for "…"
  auto cut_short = [&]() -> std::string {
    out.resize(cut);
    if (cut + kEllipsis.size() <= max_bytes) out += kEllipsis;
    return std::move(out);
  };
  char buffer[8];
  while (!text.empty()) {
    // A run of plain ASCII goes as it is, as far as it fits: the common case, made cheap.
    std::size_t room = max_bytes - out.size();
    std::size_t scan = room < text.size() ? room + 1 : text.size();  // one byte past the room tells a cut
    std::size_t run = 0;
    while (run < scan && static_cast<unsigned char>(text[run]) - 0x20u < 0x5Fu) ++run;
    if (run > 0) {
      std::size_t fits = std::min(run, room);
      if (out.size() + kEllipsis.size() <= max_bytes) cut = std::min(out.size() + fits, max_bytes - kEllipsis.size());
      out.append(text.substr(0, fits));
      if (fits < run) return cut_short();
      text.remove_prefix(run);
      continue;
    }
    char32_t cp = 0;
    std::size_t length = decode(text, cp);
    std::string_view piece = length == 0 ? kReplacement : shown_form(cp, text.substr(0, length), buffer);
    text.remove_prefix(length == 0 ? 1 : length);
    if (out.size() + piece.size() > max_bytes) return cut_short();
    out += piece;
    if (out.size() + kEllipsis.size() <= max_bytes) cut = out.size();
  }
  return out;
}

}  // namespace destkit::host
