#include "http/redactor.hpp"

#include "http/request_options.hpp"

#include <algorithm>
#include <cctype>

namespace destkit::host {

namespace {

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }

bool stands_alone(const std::string& text, std::size_t at, std::size_t size) {
  return (at == 0 || !is_word_char(text[at - 1])) && (at + size == text.size() || !is_word_char(text[at + size]));
}

}  // namespace

bool is_secret_name(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* word : {"auth", "key", "token", "secret", "cookie", "session", "signature", "password"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return lower == "code" || lower == "sig" || lower == "pass" || lower == "pwd";  // too short to search inside names
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  auto scheme_end = out.find("://");
  if (scheme_end != std::string::npos) {
    auto authority = scheme_end + 3;
    auto at = out.find('@', authority);
    auto path = out.find_first_of("/?#", authority);
    if (at != std::string::npos && (path == std::string::npos || at < path)) {
      out.replace(authority, at - authority, kRedacted);
    }
  }
  auto query = out.find('?');
  if (query == std::string::npos) return out;
  std::string rebuilt = out.substr(0, query + 1);
  std::string_view rest = std::string_view(out).substr(query + 1);
  std::string fragment;
  if (auto hash = rest.find('#'); hash != std::string_view::npos) {
    fragment = std::string(rest.substr(hash));
    rest = rest.substr(0, hash);
  }
  bool first = true;
  while (!rest.empty() || first) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    rebuilt += first ? "" : "&";
    rebuilt += eq != std::string_view::npos && is_secret_name(name) ? std::string(name) + "=" + std::string(kRedacted)
                                                                    : std::string(pair);
    first = false;
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return rebuilt + fragment;
}

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
