#include "redactor.hpp"

#include <destkit/host/request_options.hpp>

#include <algorithm>
#include <cctype>

namespace destkit::host {

namespace {

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }

bool stands_alone(const std::string& text, std::size_t at, std::size_t size) {
  return (at == 0 || !is_word_char(text[at - 1])) && (at + size == text.size() || !is_word_char(text[at + size]));
}

}  // namespace

void Redactor::add(std::string_view secret) {
  if (secret.empty()) return;
  for (std::string form : {std::string(secret), percent_encode(secret), base64_encode(secret)}) {
    bool known = std::any_of(secrets_.begin(), secrets_.end(), [&](const Secret& s) { return s.text == form; });
    if (!known) secrets_.push_back({form, form.size() < kShortSecret});
  }
  std::sort(secrets_.begin(), secrets_.end(), [](const auto& a, const auto& b) { return a.text.size() > b.text.size(); });
}

std::string Redactor::apply(std::string_view text) const {
  std::string out(text);
  for (const auto& secret : secrets_) {
    for (auto at = out.find(secret.text); at != std::string::npos; at = out.find(secret.text, at)) {
      if (secret.whole_word_only && !stands_alone(out, at, secret.text.size())) {
        at += secret.text.size();
        continue;
      }
      out.replace(at, secret.text.size(), kRedacted);
      at += kRedacted.size();
    }
  }
  return out;
}

}  // namespace destkit::host
