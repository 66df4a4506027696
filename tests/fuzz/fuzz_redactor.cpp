// libFuzzer target: the redactor. The input is a secret, a NUL, then a text. Each encoded
// form a server may echo (URL and form encoding in either case, JSON escapes, base64) must
// redact to exactly [redacted], and no part of a text left outside a redaction may hold a
// secret long enough to be searched anywhere.
#include "http/redactor.hpp"
#include "http/request_options.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <fmt/format.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

using destkit::host::kRedacted;

std::string percent(std::string_view text, bool lower, bool plus_for_space) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ' && plus_for_space) {
      out += '+';
    } else {
      out += lower ? fmt::format("%{:02x}", c) : fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string json_escaped(std::string_view text, bool escape_slash) {
  std::string quoted = boost::json::serialize(boost::json::string(text));
  std::string inner = quoted.substr(1, quoted.size() - 2);
  if (!escape_slash) return inner;
  std::string out;
  for (char c : inner) out += c == '/' ? std::string("\\/") : std::string(1, c);
  return out;
}

void require(bool condition) {
  if (!condition) std::abort();
}

// No part of `redacted` outside its [redacted] markers holds `secret`.
void require_redacted_everywhere(const std::string& redacted, const std::string& secret) {
  for (std::size_t from = 0;;) {
    std::size_t marker = redacted.find(kRedacted, from);
    require(redacted.substr(from, marker - from).find(secret) == std::string::npos);
    if (marker == std::string::npos) break;
    from = marker + kRedacted.size();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  std::size_t nul = input.find('\0');
  std::string secret = input.substr(0, nul);
  std::string text = nul == std::string::npos ? std::string() : input.substr(nul + 1);
  destkit::host::Redactor redactor;
  redactor.own_secrets_only();  // not the secrets remembered from earlier inputs (below)
  redactor.add(secret);
  std::string redacted = redactor.apply(text);
  if (secret.empty()) {
    require(redacted == text);
    return 0;
  }
  for (const std::string& form : {secret, percent(secret, false, false), percent(secret, true, false),
                                  percent(secret, false, true), json_escaped(secret, false),
                                  json_escaped(secret, true), destkit::host::base64_encode(secret)}) {
    require(redactor.apply(form) == kRedacted);
  }
  if (secret.size() >= destkit::host::kShortSecret) require_redacted_everywhere(redacted, secret);
  // The same secret remembered from a call, searched for by a redactor that holds none: other
  // secrets the process remembers from earlier inputs may redact more, never less.
  if (secret.size() >= destkit::host::kMinRememberedSecretBytes &&
      secret.size() <= destkit::host::kMaxRememberedSecretBytes) {
    destkit::host::remember_secret(secret, "fuzz");
    destkit::host::Redactor remembered;
    remembered.limit_to("fuzz");
    require_redacted_everywhere(remembered.apply(text), secret);
    for (const std::string& form : {secret, percent(secret, true, true), destkit::host::base64_encode(secret)}) {
      require(remembered.apply(form).find(kRedacted) != std::string::npos);
    }
  }
  return 0;
}
