#include "http/secret_forms.hpp"

#include "util/encoding.hpp"

#include <algorithm>
#include <string>

namespace destkit::host {

namespace {

// The base64 characters that encode `secret` alone where it starts at byte `offset` (0, 1 or
// 2) of a 3-byte group: inside base64("user:" + secret), or of the secret with more after it.
// The one or two characters at each end, which mix in the bytes around it, are left out.
std::string base64_of_secret_within(std::string_view secret, std::size_t offset) {
  std::string encoded = base64_encode(std::string(offset, '\0') + std::string(secret));
  std::size_t first = (8 * offset + 5) / 6;            // the first character of the secret's bits only
  std::size_t end = 8 * (offset + secret.size()) / 6;  // past the last one
  return encoded.substr(first, end - first);
}

}  // namespace

void add_forms(std::vector<Redactor::Secret>& forms, std::string_view secret) {
  std::string base64 = base64_encode(secret);
  std::vector<std::string> all = {std::string(secret),
                                  base64,
                                  base64.substr(0, base64.find('=')),
                                  base64url_encode(secret),
                                  hex_encode(secret, HexCase::lower),
                                  hex_encode(secret, HexCase::upper)};
  if (auto latin1 = latin1_of_utf8(secret)) all.push_back(std::move(*latin1));  // a server's own charset
  if (secret.size() >= kShortSecret) {
    for (std::size_t offset = 0; offset < 3; ++offset) {
      std::string within = base64_of_secret_within(secret, offset);
      std::string url_safe = within;
      std::replace(url_safe.begin(), url_safe.end(), '+', '-');
      std::replace(url_safe.begin(), url_safe.end(), '/', '_');
      all.push_back(std::move(within));
      all.push_back(std::move(url_safe));
    }
  }
  for (std::string& form : all) {
    bool known = std::any_of(forms.begin(), forms.end(), [&](const Redactor::Secret& s) { return s.text == form; });
    bool short_form = form.size() < kShortSecret;
    if (!known) forms.push_back({std::move(form), short_form});
  }
}

}  // namespace destkit::host
