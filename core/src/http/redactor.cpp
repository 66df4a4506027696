#include "http/redactor.hpp"

#include "http/remembered_secrets.hpp"
#include "http/request_options.hpp"
#include "http/secret_forms.hpp"
#include "http/text_search.hpp"
#include "util/encoding.hpp"
#include "util/printable.hpp"

#include <algorithm>
#include <bitset>
#include <cctype>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace destkit::host {

namespace {

// How many times a JSON text quoted inside another is decoded, at most.
constexpr int kJsonQuotingLevels = 4;

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }

bool stands_alone(std::string_view text, std::size_t at, std::size_t size) {
  return (at == 0 || !is_word_char(text[at - 1])) && (at + size == text.size() || !is_word_char(text[at + size]));
}

// The value of `count` hex digits at `at`, or -1.
long hex_value(std::string_view s, std::size_t at, std::size_t count) {
  if (at + count > s.size()) return -1;
  long value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    int digit = hex_digit(s[i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A text decoded from the original, each byte remembering which original bytes it came from,
// so a secret found in the decoded text is redacted where it stands in the original. The
// original itself maps each byte to itself and keeps no table.
struct View {
  std::string text;
  std::vector<std::uint32_t> begin, end;  // byte k of `text` came from [begin[k], end[k]) of the original

  std::size_t source_begin(std::size_t k) const { return begin.empty() ? k : begin[k]; }
  std::size_t source_end(std::size_t k) const { return end.empty() ? k + 1 : end[k]; }

  void emit(std::string_view bytes, std::size_t from, std::size_t to) {
    text += bytes;
    begin.insert(begin.end(), bytes.size(), static_cast<std::uint32_t>(from));
    end.insert(end.end(), bytes.size(), static_cast<std::uint32_t>(to));
  }
};

// JSON string escapes: \" \\ \/ \b \f \n \r \t and \uXXXX (surrogate pairs included).
// Returns how many bytes of `s` at `at` the escape takes (0: none) and its bytes in `out`.
std::size_t json_escape(std::string_view s, std::size_t at, std::string& out) {
  if (s[at] != '\\' || at + 1 >= s.size()) return 0;
  static constexpr std::string_view from = "\"\\/bfnrt", to = "\"\\/\b\f\n\r\t";
  if (auto k = from.find(s[at + 1]); k != std::string_view::npos) {
    out = std::string(1, to[k]);
    return 2;
  }
  long unit = s[at + 1] == 'u' ? hex_value(s, at + 2, 4) : -1;
  if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) return 0;
  char32_t cp = static_cast<char32_t>(unit);
  std::size_t used = 6;
  if (unit >= 0xD800 && unit <= 0xDBFF) {
    long low = at + 7 < s.size() && s[at + 6] == '\\' && s[at + 7] == 'u' ? hex_value(s, at + 8, 4) : -1;
    if (low < 0xDC00 || low > 0xDFFF) return 0;
    cp = 0x10000 + ((cp - 0xD800) << 10) + static_cast<char32_t>(low - 0xDC00);
    used = 12;
  }
  out.clear();
  append_utf8(out, cp);
  return used;
}

// URL and form encoding: %XX in either case, and '+' for a space.
std::size_t url_escape(std::string_view s, std::size_t at, std::string& out) {
  if (s[at] == '+') {
    out = " ";
    return 1;
  }
  long byte = s[at] == '%' ? hex_value(s, at + 1, 2) : -1;
  if (byte < 0) return 0;
  out = std::string(1, static_cast<char>(byte));
  return 3;
}

// Percent-encoding alone, '+' kept as it is: what encodeURI and WHATWG URL writers leave of a
// value, which encode some characters and keep '+', '=', '&' and '/'.
std::size_t percent_escape(std::string_view s, std::size_t at, std::string& out) {
  return s[at] == '+' ? 0 : url_escape(s, at, out);
}

// HTML and XML character references: the five named ones and &#NN; / &#xNN;.
std::size_t html_escape(std::string_view s, std::size_t at, std::string& out) {
  if (s[at] != '&') return 0;
  std::size_t end = s.find(';', at + 1);
  if (end == std::string_view::npos || end - at > 10) return 0;
  std::string_view name = s.substr(at + 1, end - at - 1);
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
  for (auto [entity, c] : kNamed) {
    if (name == entity) {
      out.assign(1, c);
      return end - at + 1;
    }
  }
  if (name.size() < 2 || name[0] != '#') return 0;
  bool hex = name[1] == 'x' || name[1] == 'X';
  std::string_view digits = name.substr(hex ? 2 : 1);
  long cp = 0;
  for (char d : digits) {
    int v = d >= '0' && d <= '9'          ? d - '0'
            : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
            : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10
                                          : -1;
    if (v < 0 || cp > 0x10FFFF) return 0;
    cp = cp * (hex ? 16 : 10) + v;
  }
  if (digits.empty() || cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  out.clear();
  append_utf8(out, static_cast<char32_t>(cp));
  return end - at + 1;
}

template <class Escape>
View decoded(const View& in, Escape escape) {
  View out;
  std::string bytes;
  for (std::size_t i = 0; i < in.text.size();) {
    std::size_t used = escape(in.text, i, bytes);
    if (used == 0) {
      bytes.assign(1, in.text[i]);
      used = 1;
    }
    out.emit(bytes, in.source_begin(i), in.source_end(i + used - 1));
    i += used;
  }
  return out;
}

// The pairs of adjacent bytes a text holds, hashed into a bitmap: a secret whose first two
// bytes are not among them is not in the text, which spares searching for most forms of most
// secrets in most lines (a line of 100 bytes sets at most 99 of the 4096 bits).
class AdjacentBytes {
 public:
  explicit AdjacentBytes(std::string_view text) {
    for (std::size_t i = 0; i + 1 < text.size(); ++i) bits_.set(bit(text[i], text[i + 1]));
  }
  bool may_contain(std::string_view secret) const { return secret.size() < 2 || bits_.test(bit(secret[0], secret[1])); }

 private:
  static std::size_t bit(char a, char b) {
    return (static_cast<unsigned char>(a) * 31u + static_cast<unsigned char>(b)) % kBits;
  }
  static constexpr std::size_t kBits = 4096;
  std::bitset<kBits> bits_;
};

// `secret` without the white space around it: a server trims it from a header value (RFC 9110
// §5.5), and may echo what it kept.
std::string_view trimmed(std::string_view secret) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  auto first = secret.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return secret.substr(first, secret.find_last_not_of(kSpace) - first + 1);
}

}  // namespace

void remember_secret(std::string_view secret, std::string_view scope) {
  RememberedSecrets& remembered = RememberedSecrets::process();
  remembered.remember(secret, scope);
  if (std::string_view kept = trimmed(secret); kept.size() != secret.size()) remembered.remember(kept, scope);
}

bool is_secret_name(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* part : {"key", "token", "secret", "cookie", "session", "signature", "password", "passwd", "passcode",
                           "passphrase", "credential", "jwt", "bearer", "hmac", "mnemonic"}) {
    if (lower.find(part) != std::string::npos) return true;
  }
  // "auth" (Authorization, Authorisation, X-Auth-Token, oauth), but not inside "author".
  for (auto at = lower.find("auth"); at != std::string::npos; at = lower.find("auth", at + 1)) {
    if (lower.compare(at, 6, "author") != 0 || lower.compare(at, 7, "authori") == 0) return true;
  }
  // Too short to search inside names ("bypass", "compass", "spin"): these only as words of it,
  // a word ending at a character that is not a letter or where lower case turns upper (X-Pwd,
  // userPass, passPhrase).
  auto boundary = [&](std::size_t at) {  // between name[at - 1] and name[at]
    if (at == 0 || at >= name.size()) return true;
    unsigned char before = name[at - 1], after = name[at];
    return !std::isalpha(before) || !std::isalpha(after) || (std::islower(before) && std::isupper(after));
  };
  for (std::string_view word : {"pass", "pwd", "pw", "sig", "sid", "pin", "otp", "totp", "mfa"}) {
    for (auto at = lower.find(word); at != std::string::npos; at = lower.find(word, at + 1)) {
      if (boundary(at) && boundary(at + word.size())) return true;
    }
  }
  return lower == "code";
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

void Redactor::add_known_to_caller(std::string_view text) {
  known_to_caller_.emplace_back(text);
  View original{std::string(text), {}, {}};
  if (text.find('\\') != std::string_view::npos) known_to_caller_.push_back(decoded(original, json_escape).text);
  if (text.find_first_of("%+") != std::string_view::npos) known_to_caller_.push_back(decoded(original, url_escape).text);
}

void Redactor::add(std::string_view secret) {
  for (std::string_view form : {secret, trimmed(secret)}) {
    if (form.empty() || std::find(secrets_.begin(), secrets_.end(), form) != secrets_.end()) continue;
    secrets_.emplace_back(form);
    std::optional<std::string> latin1 = latin1_of_utf8(form);  // its shortest form (add_forms)
    shortest_ = std::min(shortest_, latin1 ? latin1->size() : form.size());
    longest_ = std::max(longest_, form.size());
  }
}

std::string Redactor::apply_to_start(std::string_view text, std::size_t shown) const {
  // A remembered secret is at most kMaxRememberedSecretBytes; this redactor's own, longest_.
  std::size_t reach = kMaxEncodedBytesPerByte * std::max(longest_, kMaxRememberedSecretBytes);
  return apply(text.substr(0, shown + reach)).substr(0, shown);
}

std::string Redactor::shown(std::string_view text, std::size_t max_bytes) const {
  // One byte past the limit, so that printable() sees there was more and says so.
  return printable(apply_to_start(text, max_bytes + 1), max_bytes);
}

std::string Redactor::apply(std::string_view text) const {
  const RememberedSecrets& remembered = RememberedSecrets::process();
  auto reading = remembered.reading();
  const bool search_remembered = !own_only_ && !remembered.empty();
  std::lock_guard forms_lock(forms_.mutex);
  // No form of a secret is shorter than shortest_, and no decoded view longer than the text.
  if (text.size() >= shortest_) {
    for (; forms_.secrets_done < secrets_.size(); ++forms_.secrets_done) add_forms(forms_.list, secrets_[forms_.secrets_done]);
  }
  const std::vector<Secret>& own = forms_.list;
  if (text.empty() || (own.empty() && !search_remembered)) return std::string(text);
  if (text.size() > UINT32_MAX) return std::string(kRedacted);  // beyond what a View can map
  bool json_escaped = text.find('\\') != std::string_view::npos;
  bool url_escaped = text.find_first_of("%+") != std::string_view::npos;
  bool html_escaped = text.find('&') != std::string_view::npos;
  std::vector<View> views;  // decoded ones; the text as it is is searched without a copy
  if (json_escaped || url_escaped || html_escaped) {
    View original{std::string(text), {}, {}};
    if (json_escaped) views.push_back(decoded(original, json_escape));
    if (url_escaped) {
      views.push_back(decoded(original, url_escape));
      // URL-encoded twice (%2540 for @): a value encoded before it went into a URL.
      if (text.find("%25") != std::string_view::npos) views.push_back(decoded(views.back(), url_escape));
    }
    if (html_escaped) {
      views.push_back(decoded(original, html_escape));
      // JSON in an HTML page: its escapes are under the page's (\&quot;).
      if (json_escaped) views.push_back(decoded(views.back(), json_escape));
    }
    if (json_escaped && url_escaped) views.push_back(decoded(views[0], url_escape));
    if (text.find('%') != std::string_view::npos) views.push_back(decoded(original, percent_escape));
    // JSON quoted inside JSON (a server that echoes the body it was sent in an error's string)
    // escapes a secret's quote or backslash twice or more: decode again, a few levels deep.
    if (json_escaped) {
      const View* level = &views[0];
      for (int depth = 1; depth < kJsonQuotingLevels && level->text.find('\\') != std::string::npos; ++depth) {
        views.push_back(decoded(*level, json_escape));
        level = &views.back();
      }
    }
  }

  std::vector<std::pair<std::size_t, std::size_t>> spans;  // in the original text
  // A caller whose own settings hold any form of a remembered secret (base64 decodes to it)
  // knows it; decided once per secret found.
  std::unordered_map<const RememberedSecrets::Entry*, bool> known_to_caller;
  auto is_known_to_caller = [&](const RememberedSecrets::Entry& entry) {
    auto [known, added] = known_to_caller.try_emplace(&entry, false);
    if (added) {
      known->second = std::any_of(known_to_caller_.begin(), known_to_caller_.end(), [&](const std::string& given) {
        return std::any_of(entry.forms.begin(), entry.forms.end(),
                           [&](const Secret& form) { return contains(given, form.text); });
      });
    }
    return known->second;
  };
  auto search = [&](std::string_view seen, const View* decoded_view) {
    auto add_span = [&](std::size_t at, std::size_t size) {
      if (decoded_view == nullptr)
        spans.emplace_back(at, at + size);
      else
        spans.emplace_back(decoded_view->source_begin(at), decoded_view->source_end(at + size - 1));
    };
    AdjacentBytes adjacent(seen);
    for (const auto& secret : own) {
      if (secret.text.size() > seen.size() || !adjacent.may_contain(secret.text)) continue;
      for (std::size_t at : occurrences(seen, secret.text)) {
        if (!secret.whole_word_only || stands_alone(seen, at, secret.text.size())) add_span(at, secret.text.size());
      }
    }
    if (!search_remembered) return;
    remembered.search(seen, scope_, [&](const RememberedSecrets::Entry& entry, std::size_t begin, std::size_t end) {
      if (!is_known_to_caller(entry)) add_span(begin, end - begin);
    });
  };
  search(text, nullptr);
  for (const View& view : views) search(view.text, &view);
  if (spans.empty()) return std::string(text);
  std::sort(spans.begin(), spans.end());
  std::string out;
  std::size_t copied = 0;
  for (auto [from, to] : spans) {
    if (to <= copied) continue;  // inside a span already redacted
    if (from >= copied) {
      out.append(text.substr(copied, from - copied));
      out += kRedacted;
    }
    copied = to;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace destkit::host
