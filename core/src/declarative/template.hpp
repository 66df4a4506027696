// declarative/template — the template strings of a declarative destination.
//
//   "https://{{settings.subdomain}}.example.com/api"   "Bearer {{settings.apiKey}}"
//   "{{auth.accessToken}}"   "{{settings.apiKey | split('-', -1) | lower}}"
//
// A template is literal text with substitutions. A substitution names one value (a setting or
// an auth value) and a chain of filters: base64, urlencode, lower, trim, split(SEP, INDEX).
// That is the whole grammar: nothing in a template is ever evaluated as code. Templates are
// parsed when the destination loads, so a syntax error never waits for a request.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace destkit::host::declarative {

struct Filter {
  enum class Kind { base64, urlencode, lower, trim, split } kind = Kind::trim;
  std::string separator{};  // split
  long long index = 0;      // split: 0 is the first part, -1 the last
  std::size_t column = 0;   // 1-based, where the filter's name starts
};

// Where a URL template puts a substitution (`query`: after a literal '?' or '#'); decides how
// its value is checked and encoded.
enum class UrlPart { none, host, port, path, query };

struct Substitution {
  enum class Source { settings, auth } source = Source::settings;
  std::string name{};  // a field key, or accessToken, refreshToken, clientId, clientSecret
  std::vector<Filter> filters{};
  std::size_t column = 0;      // 1-based, where "{{" starts
  std::size_t end_column = 0;  // just after "}}"
  UrlPart url_part = UrlPart::none;

  std::string reference() const;  // "settings.apiKey"
};

// literals.size() == substitutions.size() + 1: literals[0], substitutions[0], literals[1], ...
struct Template {
  std::vector<std::string> literals{""};
  std::vector<Substitution> substitutions{};
  // URL templates whose host has a substitution: the literal end of the host, which the
  // rendered host must keep (".example.com"); empty when the template chooses the whole host.
  std::optional<std::string> host_suffix{};
};

struct TemplateError {
  std::size_t column = 0;  // 1-based, counted in characters of the string
  std::string message{};
};

std::variant<Template, TemplateError> parse_template(std::string_view text);

// Decides the URL part of each substitution and checks what the template allows: it starts
// with a literal "http://" or "https://" (or, when relative URLs are allowed, is a path with
// no ':' before its first '/', '?' or '#', so no value can make it absolute), and the literal
// text of its host and port holds only host characters, one ':' and digits (so no
// user:password part). Sets host_suffix; the problem, if any, with its column.
std::optional<TemplateError> classify_url(Template& url, bool allow_relative);

// No value a template makes, after its filters, is larger than settings may be.
inline constexpr std::size_t kMaxTemplateValueBytes = 1 << 20;
// What one hook call renders from all its templates together: the same value may be
// substituted many times, and must not take the host's memory with it.
inline constexpr std::size_t kMaxRenderedBytesPerCall = 4 * kMaxTemplateValueBytes;

// A substitution has at most this many filters: a useful chain has a few.
inline constexpr std::size_t kMaxFiltersPerSubstitution = 16;
// The bytes one hook call's substitutions may read, each value once and once per filter: with
// filters that shrink a value (split), the rendered size alone would not bound the work.
inline constexpr std::size_t kMaxFilteredBytesPerCall = 64 * kMaxTemplateValueBytes;

// The value after a substitution's filters (index 0), or why they failed (index 1: a split
// with no such part, a value past kMaxTemplateValueBytes, or more work than `bytes_left`,
// which is lowered by the bytes read).
std::variant<std::string, std::string> apply_filters(std::string value, const std::vector<Filter>& filters,
                                                     std::size_t& bytes_left);

// Whether a value may go into a URL's host: not empty, and only letters, digits, '-' and '.'.
bool is_host_text(std::string_view text);

// Whether `host` is a DNS name (labels of letters, digits and inner dashes) ending in `suffix`.
bool is_host_with_suffix(std::string_view host, std::string_view suffix);

// The host of an absolute URL, without user info and port.
std::string_view url_host_of(std::string_view url);

}  // namespace destkit::host::declarative
