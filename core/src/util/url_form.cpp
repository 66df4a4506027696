#include "util/url_form.hpp"

#include "util/encoding.hpp"

namespace destkit::host {

std::string form_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 && hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_form(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    auto amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      out.emplace_back(form_decode(pair.substr(0, eq)),
                       eq == std::string_view::npos ? std::string() : form_decode(pair.substr(eq + 1)));
    }
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
  }
  return out;
}

}  // namespace destkit::host
