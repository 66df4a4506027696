// http/option_rules — the checks a request option's value must pass, as plain predicates with
// no dependencies, so that the plugin runner applies exactly the host's rules (core/runner).
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string_view>

namespace destkit::host {

// What one hook call may keep in the host: of the answers' bodies, of the text services hand
// out, and of the request options the plugin makes and fills (kOptionsEntryBytes for each
// handle, header, query parameter or credentials, plus their text), each this much; and the
// longest name a service takes (a setting's key, a header's name, a JSON pointer, a method).
inline constexpr std::size_t kMaxKeptBytesPerCall = 64 << 20;
inline constexpr std::size_t kOptionsEntryBytes = 1024;
inline constexpr std::size_t kMaxNameBytes = 64 * 1024;

// "scheme://...": a scheme of letters, digits, '+', '-', '.', starting with a letter.
inline bool is_absolute_url(std::string_view url) {
  auto colon = url.find("://");
  if (colon == std::string_view::npos || colon == 0) return false;
  return std::all_of(url.begin(), url.begin() + colon, [](unsigned char c) {
    return std::isalnum(c) || c == '+' || c == '-' || c == '.';
  }) && std::isalpha(static_cast<unsigned char>(url.front()));
}

// An absolute URL whose scheme is http or https, in any letter case: what a prefixUrl must be.
inline bool is_http_url(std::string_view url) {
  if (!is_absolute_url(url)) return false;
  std::string_view scheme = url.substr(0, url.find("://"));
  auto is = [&](std::string_view name) {
    return scheme.size() == name.size() && std::equal(scheme.begin(), scheme.end(), name.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  };
  return is("http") || is("https");
}

// A header name is an HTTP token: not empty, letters, digits and !#$%&'*+-.^_`|~.
inline bool is_header_name(std::string_view name) {
  static constexpr std::string_view token_chars = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || token_chars.find(static_cast<char>(c)) != std::string_view::npos;
  });
}

// A header the HTTP client writes itself, from the request's URL, body and connection: set by
// a plugin, it could make the server read the request as another one (a body of another
// length, a second request on a kept-alive connection, another site behind a shared front end).
inline bool is_client_written_header(std::string_view name) {
  for (std::string_view written : {"host", "content-length", "transfer-encoding", "connection", "keep-alive",
                                   "proxy-connection", "upgrade", "te", "trailer", "expect"}) {
    if (name.size() == written.size() && std::equal(name.begin(), name.end(), written.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      return true;
    }
  }
  return false;
}

// A header value holds no control character but the tab (RFC 9110 §5.5): no line break, no NUL,
// no DEL, none a strict server would refuse the request for.
inline bool is_header_value(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7F; });
}

// A URL holds no control character (a line break least of all).
inline bool is_url_text(std::string_view url) {
  return std::none_of(url.begin(), url.end(), [](unsigned char c) { return c < 0x20 || c == 0x7F; });
}

}  // namespace destkit::host
