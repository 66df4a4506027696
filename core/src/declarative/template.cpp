#include "declarative/template.hpp"

#include "util/encoding.hpp"
#include "util/spelling.hpp"

#include <fmt/format.h>
#include <libpsl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace destkit::host::declarative {
namespace {

constexpr std::array<std::pair<std::string_view, Filter::Kind>, 5> kFilters{{
    {"base64", Filter::Kind::base64},
    {"urlencode", Filter::Kind::urlencode},
    {"lower", Filter::Kind::lower},
    {"trim", Filter::Kind::trim},
    {"split", Filter::Kind::split},
}};

// Thrown inside this file only, to stop at the first problem with its column.
struct Stop {
  TemplateError error;
};

// Reads one template left to right; columns count characters, not bytes, as an editor does.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  bool done() const { return at_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[at_]; }
  bool starts_with(std::string_view s) const { return text_.substr(at_).starts_with(s); }
  // Counts characters as it goes: counting from the start at each column asked for made a
  // long template of many substitutions cost time quadratic in its length.
  void advance(std::size_t n = 1) {
    for (std::size_t end = std::min(text_.size(), at_ + n); at_ < end; ++at_) {
      if ((static_cast<unsigned char>(text_[at_]) & 0xC0) != 0x80) ++characters_;
    }
  }
  std::size_t column() const { return characters_ + 1; }
  std::size_t offset() const { return at_; }
  [[noreturn]] void fail(std::size_t column, std::string message) const {
    throw Stop{{column, std::move(message)}};
  }

  void skip_spaces() {
    while (peek() == ' ' || peek() == '\t') advance();
  }

  std::string identifier() {
    std::size_t start = at_;
    while (!done() && (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_' || peek() == '-')) advance();
    return std::string(text_.substr(start, at_ - start));
  }

  void expect(char c, std::string_view what) {
    skip_spaces();
    if (peek() != c) fail(column(), fmt::format("expected {} here", what));
    advance();
  }

  std::string quoted() {
    skip_spaces();
    char quote = peek();
    if (quote != '"' && quote != '\'') fail(column(), "expected a quoted separator here, e.g. \"-\"");
    std::size_t open = column();
    advance();
    std::size_t start = at_;
    while (!done() && peek() != quote) advance();
    if (done()) fail(open, "this quoted text is never closed");
    std::string value(text_.substr(start, at_ - start));
    advance();
    return value;
  }

  long long integer() {
    skip_spaces();
    std::size_t start = at_;
    std::size_t start_column = column();
    if (peek() == '-') advance();
    while (std::isdigit(static_cast<unsigned char>(peek()))) advance();
    long long value = 0;
    auto [end, ec] = std::from_chars(text_.data() + start, text_.data() + at_, value);
    if (ec != std::errc() || end != text_.data() + at_) fail(start_column, "expected a whole number here, e.g. 0 or -1");
    return value;
  }

 private:
  std::string_view text_;
  std::size_t at_ = 0;
  std::size_t characters_ = 0;  // before at_
};

std::string filter_names() {
  std::string out;
  for (const auto& [name, _] : kFilters) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

Filter read_filter(Reader& r) {
  r.skip_spaces();
  Filter filter;
  filter.column = r.column();
  std::string name = r.identifier();
  if (name.empty()) r.fail(filter.column, "expected a filter name after '|'");
  auto known = std::find_if(kFilters.begin(), kFilters.end(), [&](const auto& f) { return f.first == name; });
  if (known == kFilters.end()) {
    std::vector<std::string> names;
    for (const auto& [n, _] : kFilters) names.emplace_back(n);
    auto guess = closest_spelling(name, names);
    r.fail(filter.column, fmt::format("unknown filter \"{}\"{} (the filters are {})", name,
                                      guess ? fmt::format(", did you mean \"{}\"?", *guess) : "", filter_names()));
  }
  filter.kind = known->second;
  r.skip_spaces();
  if (filter.kind == Filter::Kind::split) {
    if (r.peek() != '(') r.fail(r.column(), "split needs a separator and an index: split(\"-\", -1)");
    r.advance();
    std::size_t separator_column = r.column();
    filter.separator = r.quoted();
    if (filter.separator.empty()) r.fail(separator_column, "the separator of split must not be empty");
    r.expect(',', "',' and the index of the part to keep");
    filter.index = r.integer();
    r.expect(')', "')' closing split(...)");
  } else if (r.peek() == '(') {
    r.fail(r.column(), fmt::format("the filter {} takes no arguments", name));
  }
  return filter;
}

// After "{{": a reference, its filters, then "}}".
Substitution read_substitution(Reader& r, std::size_t open_column) {
  Substitution s;
  s.column = open_column;
  r.skip_spaces();
  std::size_t reference_column = r.column();
  std::string root = r.identifier();
  if (root.empty() && (r.starts_with("}}") || r.done())) {
    r.fail(open_column, "an empty substitution: expected settings.NAME or auth.NAME between {{ and }}");
  }
  if (root != "settings" && root != "auth") {
    r.fail(reference_column, fmt::format("a template can refer only to settings.NAME and auth.NAME{}",
                                         root.empty() ? "" : fmt::format(", not \"{}\"", root)));
  }
  s.source = root == "settings" ? Substitution::Source::settings : Substitution::Source::auth;
  if (r.peek() != '.') r.fail(r.column(), fmt::format("expected '.' and a name after \"{}\"", root));
  r.advance();
  s.name = r.identifier();
  if (s.name.empty()) r.fail(r.column(), fmt::format("expected a name after \"{}.\"", root));
  for (;;) {
    r.skip_spaces();
    if (r.starts_with("}}")) {
      r.advance(2);
      s.end_column = r.column();
      return s;
    }
    if (r.done()) r.fail(open_column, "this \"{{\" is never closed by \"}}\"");
    if (r.peek() != '|') {
      r.fail(r.column(), r.starts_with("{{") ? "\"{{\" cannot appear inside a substitution"
                                             : "expected '|' and a filter, or \"}}\"");
    }
    r.advance();
    if (s.filters.size() == kMaxFiltersPerSubstitution) {
      r.fail(r.column(), fmt::format("a substitution has at most {} filters", kMaxFiltersPerSubstitution));
    }
    s.filters.push_back(read_filter(r));
  }
}

bool is_host_character(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// A relative URL reads as absolute once its text before the first '/', '?' or '#' holds "://".
// Values in it are percent-encoded, so only a literal ':' can start that; with an empty value
// between literal pieces ("https:/{{settings.x}}/evil.com") the pieces could still join into
// one. So a ':' in the literal text before the first separator is refused, with its column.
std::optional<TemplateError> relative_scheme_problem(const Template& url) {
  for (std::size_t i = 0; i < url.literals.size(); ++i) {
    std::size_t column = i == 0 ? 1 : url.substitutions[i - 1].end_column;
    for (char c : url.literals[i]) {
      if (c == '/' || c == '?' || c == '#') return std::nullopt;
      if (c == ':') {
        return TemplateError{column, "a relative URL cannot hold ':' before its first '/', '?' or '#', where it "
                                     "could read as an absolute URL: start it with '/' or a literal https://"};
      }
      if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++column;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string Substitution::reference() const {
  return (source == Source::settings ? "settings." : "auth.") + name;
}

std::variant<Template, TemplateError> parse_template(std::string_view text) {
  Template t;
  Reader r(text);
  try {
    while (!r.done()) {
      if (r.starts_with("{{")) {
        std::size_t open = r.column();
        r.advance(2);
        t.substitutions.push_back(read_substitution(r, open));
        t.literals.emplace_back();
      } else if (r.starts_with("}}")) {
        r.fail(r.column(), "\"}}\" without a \"{{\" before it");
      } else {
        t.literals.back() += r.peek();
        r.advance();
      }
    }
  } catch (const Stop& stop) {
    return stop.error;
  }
  return t;
}

// The part of the URL each substitution stands in, up to the path; checks the literal host.
static std::optional<TemplateError> classify_url_parts(Template& url, bool allow_relative) {
  const std::string& first = url.literals.front();
  auto scheme_end = first.find("://");
  if (scheme_end == std::string::npos) {
    if (!allow_relative) {
      return TemplateError{1, "must be an absolute URL starting with a literal http:// or https://"};
    }
    for (auto& s : url.substitutions) s.url_part = UrlPart::path;
    return relative_scheme_problem(url);
  }
  std::string scheme = lower(first.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") {
    return TemplateError{1, fmt::format("\"{}\" URLs are not sent: use http:// or https://", scheme)};
  }
  enum class State { host, port, path } state = State::host;
  std::string host_tail;  // literal host text after the last host substitution
  bool host_substituted = false;
  std::size_t host_column = 0;  // where the last host substitution ends
  for (std::size_t i = 0; i < url.literals.size(); ++i) {
    std::string_view literal = url.literals[i];
    std::size_t column = i == 0 ? 1 : url.substitutions[i - 1].end_column;
    for (std::size_t j = 0; j < literal.size() && state != State::path; ++j) {
      char c = literal[j];
      if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++column;
      if (i == 0 && j < scheme_end + 3) continue;
      if (c == '/' || c == '?' || c == '#') {
        state = State::path;
      } else if (c == '@') {
        return TemplateError{column - 1, "a URL must not carry a user name or password: use username and password"};
      } else if (c == ':' && state == State::host) {
        state = State::port;
      } else if (state == State::host && is_host_character(c)) {
        host_tail += c;
      } else if (!(state == State::port && std::isdigit(static_cast<unsigned char>(c)))) {
        // "user:password@host": the ':' made what follows a port; the '@' says what it is.
        std::string_view rest = literal.substr(j);
        if (state == State::port && rest.substr(0, rest.find_first_of("/?#")).find('@') != std::string_view::npos) {
          return TemplateError{column - 1, "a URL must not carry a user name or password: use username and password"};
        }
        return TemplateError{column - 1, fmt::format("'{}' cannot be part of a URL's {}", c,
                                                     state == State::host ? "host" : "port")};
      }
    }
    if (i == url.substitutions.size()) break;
    Substitution& s = url.substitutions[i];
    s.url_part = state == State::host ? UrlPart::host : state == State::port ? UrlPart::port : UrlPart::path;
    if (state == State::host) {
      host_substituted = true;
      host_column = s.end_column;
      host_tail.clear();
    }
  }
  // A setting may name a subdomain, never the domain: what follows the last substitution in
  // the host must be a literal domain with at least two labels (".example.com") that is not
  // itself a public suffix (".co.uk", ".github.io": there a setting would name the domain),
  // and whose last label starts with a letter, as every top-level domain does: ".0.1" or
  // ".0x1" would let a setting choose an IPv4 address ("127.0" + ".0.1").
  if (host_substituted) {
    std::size_t last_label = host_tail.rfind('.') + 1;
    bool names_domain = host_tail.size() > 1 && host_tail.front() == '.' &&
                        host_tail.find('.', 1) != std::string::npos && host_tail.back() != '.' &&
                        std::isalpha(static_cast<unsigned char>(host_tail[last_label])) &&
                        psl_is_public_suffix2(psl_builtin(), lower(host_tail.substr(1)).c_str(),
                                              PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) == 0;
    if (!names_domain) {
      return TemplateError{host_column,
                           "a substitution in the host must be followed by a literal domain that is not a public "
                           "suffix (.co.uk, .github.io), as in {{settings.subdomain}}.example.com, so that no "
                           "setting can choose the domain"};
    }
    url.host_suffix = host_tail;
  }
  return std::nullopt;
}

// Substitutions after a literal '?' or '#' are in the query or the fragment, not the path.
static void mark_query(Template& url) {
  for (std::size_t i = 0; i < url.substitutions.size(); ++i) {
    if (url.literals[i].find_first_of("?#") == std::string::npos) continue;
    for (std::size_t k = i; k < url.substitutions.size(); ++k) url.substitutions[k].url_part = UrlPart::query;
    return;
  }
}

std::optional<TemplateError> classify_url(Template& url, bool allow_relative) {
  std::optional<TemplateError> problem = classify_url_parts(url, allow_relative);
  if (!problem) mark_query(url);
  return problem;
}

std::variant<std::string, std::string> apply_filters(std::string value, const std::vector<Filter>& filters,
                                                     std::size_t& bytes_left) {
  // base64 grows a value by a third and urlencode up to three times: a chain of them must not
  // take the host's memory.
  constexpr std::size_t kMaxValueBytes = kMaxTemplateValueBytes;
  auto read = [&](std::size_t bytes) {
    bool affordable = bytes <= bytes_left;
    bytes_left = affordable ? bytes_left - bytes : 0;
    return affordable;
  };
  auto too_much_work = [] {
    return std::variant<std::string, std::string>(
        std::in_place_index<1>, fmt::format("this call's substitutions and their filters read more than {} bytes in all",
                                            kMaxFilteredBytesPerCall));
  };
  if (!read(value.size())) return too_much_work();
  for (const Filter& f : filters) {
    if (value.size() > kMaxValueBytes) {
      return std::variant<std::string, std::string>(
          std::in_place_index<1>, fmt::format("its filters make a value larger than {} bytes", kMaxValueBytes));
    }
    if (!read(value.size())) return too_much_work();
    switch (f.kind) {
      case Filter::Kind::base64: value = base64_encode(value); break;
      case Filter::Kind::urlencode: value = percent_encode(value); break;
      case Filter::Kind::lower: value = lower(std::move(value)); break;
      case Filter::Kind::trim: {
        constexpr std::string_view spaces = " \t\r\n\f\v";
        auto begin = value.find_first_not_of(spaces);
        value = begin == std::string::npos ? std::string() : value.substr(begin, value.find_last_not_of(spaces) - begin + 1);
        break;
      }
      case Filter::Kind::split: {
        std::vector<std::string> parts;
        for (std::size_t start = 0;;) {
          auto at = value.find(f.separator, start);
          parts.push_back(value.substr(start, at == std::string::npos ? std::string::npos : at - start));
          if (at == std::string::npos) break;
          start = at + f.separator.size();
        }
        long long count = static_cast<long long>(parts.size());
        long long index = f.index < 0 ? count + f.index : f.index;
        if (index < 0 || index >= count) {
          return std::variant<std::string, std::string>(
              std::in_place_index<1>, fmt::format("split(\"{}\", {}) found no such part: the value has {} part(s)",
                                                  f.separator, f.index, count));
        }
        value = parts[static_cast<std::size_t>(index)];
        break;
      }
    }
  }
  if (value.size() > kMaxValueBytes) {
    return std::variant<std::string, std::string>(
        std::in_place_index<1>, fmt::format("its filters make a value larger than {} bytes", kMaxValueBytes));
  }
  return std::variant<std::string, std::string>(std::in_place_index<0>, std::move(value));
}

bool is_host_text(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_host_character);
}

bool is_host_with_suffix(std::string_view host, std::string_view suffix) {
  if (host.size() < suffix.size() || lower(std::string(host.substr(host.size() - suffix.size()))) != lower(std::string(suffix))) {
    return false;
  }
  std::size_t start = 0;
  for (;;) {
    auto dot = host.find('.', start);
    std::string_view label = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
        !std::all_of(label.begin(), label.end(), is_host_character)) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string_view url_host_of(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  std::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (auto colon = authority.rfind(':'); colon != std::string_view::npos) authority = authority.substr(0, colon);
  return authority;
}

}  // namespace destkit::host::declarative
