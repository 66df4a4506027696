#include "definition/value_formats.hpp"

#include <array>
#include <cstddef>
#include <utility>

namespace destkit::host {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Spaces and control characters end a URL or an address wherever they appear.
bool is_space_or_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}

bool has_space_or_control(std::string_view s) {
  for (char c : s) {
    if (is_space_or_control(c)) return true;
  }
  return false;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

// The value of `count` digits at the front of s, consumed; -1 when they are not all digits.
int take_digits(std::string_view& s, std::size_t count) {
  if (s.size() < count) return -1;
  int n = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (!is_digit(s[i])) return -1;
    n = n * 10 + (s[i] - '0');
  }
  s.remove_prefix(count);
  return n;
}

bool take(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

int days_in_month(int year, int month) {
  constexpr std::array<int, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[static_cast<std::size_t>(month - 1)];
}

// YYYY-MM-DD with a real month and a day that exists in it; consumed from s.
bool take_date(std::string_view& s) {
  int year = take_digits(s, 4);
  if (year < 0 || !take(s, '-')) return false;
  int month = take_digits(s, 2);
  if (month < 1 || month > 12 || !take(s, '-')) return false;
  int day = take_digits(s, 2);
  return day >= 1 && day <= days_in_month(year, month);
}

// Each check returns what the value should have looked like, or nullptr when it fits.
using Check = const char* (*)(std::string_view);

// A scheme (a letter, then letters, digits, '+', '.' or '-'), ':', and at least one more
// character, none a space or a control character; http and https also need "//" and a host.
const char* check_uri(std::string_view s) {
  constexpr const char* wanted = "a URL such as https://example.com";
  if (s.size() > 8192) return "a URL of at most 8192 bytes";
  std::size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || !is_alpha(s[0])) return wanted;
  std::string_view scheme = s.substr(0, colon);
  for (char c : scheme) {
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '.' && c != '-') return wanted;
  }
  std::string_view rest = s.substr(colon + 1);
  if (rest.empty() || has_space_or_control(rest)) return wanted;
  if (equals_ignoring_case(scheme, "http") || equals_ignoring_case(scheme, "https")) {
    if (rest.substr(0, 2) != "//" || rest.size() == 2 || rest.find_first_of("/?#", 2) == 2) {
      return "a URL with a host, such as https://example.com";
    }
  }
  return nullptr;
}

// local@domain: one '@', a local part of 1 to 64 bytes, a domain of two or more non-empty
// dot-separated labels; no spaces or control characters anywhere.
const char* check_email(std::string_view s) {
  constexpr const char* wanted = "an email address";
  if (s.size() > 254) return "an email address of at most 254 bytes";
  std::size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || has_space_or_control(s)) return wanted;
  std::string_view domain = s.substr(at + 1);
  if (domain.find('@') != std::string_view::npos || domain.find('.') == std::string_view::npos) return wanted;
  if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string_view::npos) return wanted;
  return nullptr;
}

// Dot-separated labels of 1 to 63 letters, digits and dashes, not starting or ending with a dash.
const char* check_hostname(std::string_view s) {
  constexpr const char* wanted = "a host name (letters, digits, dashes and dots)";
  if (s.size() > 253) return "a host name of at most 253 characters";
  std::size_t label = 0;  // length of the current label
  char previous = '.';
  for (char c : s) {
    if (c == '.') {
      if (label == 0 || previous == '-') return wanted;
      label = 0;
    } else if (is_alpha(c) || is_digit(c) || (c == '-' && label > 0)) {
      if (++label > 63) return wanted;
    } else {
      return wanted;
    }
    previous = c;
  }
  return label == 0 || previous == '-' ? wanted : nullptr;
}

// YYYY-MM-DD, then T (or t, or a space), hh:mm, optionally :ss and a fraction of 1 to 9 digits,
// optionally Z (or z) or an offset +hh:mm, +hhmm, -hh:mm or -hhmm; every part in its range.
const char* check_date_time(std::string_view s) {
  constexpr const char* wanted = "a date and time such as 2024-05-01T12:00:00Z";
  if (s.size() > 35) return wanted;  // 2024-05-01T12:00:00.123456789+05:30
  if (!take_date(s) || !(take(s, 'T') || take(s, 't') || take(s, ' '))) return wanted;
  int hour = take_digits(s, 2);
  if (hour < 0 || hour > 23 || !take(s, ':')) return wanted;
  int minute = take_digits(s, 2);
  if (minute < 0 || minute > 59) return wanted;
  if (take(s, ':')) {
    int second = take_digits(s, 2);
    if (second < 0 || second > 60) return wanted;  // 60: a leap second
    if (take(s, '.')) {
      std::size_t digits = 0;
      while (digits < s.size() && is_digit(s[digits])) ++digits;
      if (digits == 0 || digits > 9) return wanted;
      s.remove_prefix(digits);
    }
  }
  if (s.empty() || s == "Z" || s == "z") return nullptr;
  if (!take(s, '+') && !take(s, '-')) return wanted;
  int offset_hours = take_digits(s, 2);
  take(s, ':');
  int offset_minutes = take_digits(s, 2);
  bool valid = s.empty() && offset_hours >= 0 && offset_hours <= 23 && offset_minutes >= 0 && offset_minutes <= 59;
  return valid ? nullptr : wanted;
}

const char* check_date(std::string_view s) {
  return s.size() == 10 && take_date(s) && s.empty() ? nullptr : "a date such as 2024-05-01";
}

// 8-4-4-4-12 hexadecimal digits, in either case.
const char* check_uuid(std::string_view s) {
  if (s.size() != 36) return "a UUID";
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return "a UUID";
  }
  return nullptr;
}

// Four decimal numbers 0 to 255 joined by dots, without leading zeros (010 is not 10 to
// every resolver).
const char* check_ipv4(std::string_view s) {
  constexpr const char* wanted = "an IPv4 address";
  if (s.size() > 15) return wanted;
  for (int part = 0; part < 4; ++part) {
    if (part > 0 && !take(s, '.')) return wanted;
    std::size_t digits = 0;
    int value = 0;
    while (digits < s.size() && digits < 4 && is_digit(s[digits])) value = value * 10 + (s[digits++] - '0');
    if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && s[0] == '0')) return wanted;
    s.remove_prefix(digits);
  }
  return s.empty() ? nullptr : wanted;
}

// Each check bounds the length before it looks at a character.
constexpr std::array<std::pair<std::string_view, Check>, 7> kFormats{{
    {"uri", check_uri},
    {"email", check_email},
    {"hostname", check_hostname},
    {"date-time", check_date_time},
    {"date", check_date},
    {"uuid", check_uuid},
    {"ipv4", check_ipv4},
}};

}  // namespace

bool is_known_format(std::string_view format) {
  for (const auto& [name, _] : kFormats) {
    if (name == format) return true;
  }
  return false;
}

std::string known_formats_text() {
  std::string out;
  for (const auto& [name, _] : kFormats) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

std::string format_problem(std::string_view format, std::string_view value) {
  for (const auto& [name, check] : kFormats) {
    if (name != format) continue;
    const char* wanted = check(value);
    return wanted == nullptr ? std::string() : std::string(wanted);
  }
  return {};
}

}  // namespace destkit::host
