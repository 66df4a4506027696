#include "mock_api/credentials.hpp"

#include "http/redactor.hpp"
#include "http/request_options.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace destkit::mock_api {
namespace {

std::string_view trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

bool has_name(const NameValueList& list, std::string_view name, bool ignore_case) {
  return std::any_of(list.begin(), list.end(),
                     [&](const auto& item) { return ignore_case ? host::iequals(item.first, name) : item.first == name; });
}

// An Authorization value's scheme is case-insensitive (RFC 9110 §11.1): "bearer k" is
// "Bearer k". The credentials after it are compared exactly.
bool same_header_value(std::string_view name, std::string_view sent, std::string_view accepted) {
  if (!host::iequals(name, "Authorization") && !host::iequals(name, "Proxy-Authorization")) return sent == accepted;
  std::size_t scheme = std::min(accepted.find(' '), accepted.size());
  return sent.size() == accepted.size() && host::iequals(sent.substr(0, scheme), accepted.substr(0, scheme)) &&
         sent.substr(scheme) == accepted.substr(scheme);
}

}  // namespace

std::string Credentials::accept_header(std::string_view flag) {
  auto colon = flag.find(':');
  std::string_view name = trim(flag.substr(0, colon));
  std::string_view value = colon == std::string_view::npos ? std::string_view() : trim(flag.substr(colon + 1));
  if (name.empty() || value.empty() || !host::header_problem(name, value).empty()) {
    return fmt::format("--accept takes \"Name: value\", not \"{}\"", flag);
  }
  headers_.emplace_back(name, value);
  return {};
}

std::string Credentials::accept_basic(std::string_view flag) {
  auto colon = flag.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return "--accept-basic takes USER:PASSWORD (the password may be empty, the user may not)";
  }
  headers_.emplace_back("Authorization", host::basic_authorization(flag.substr(0, colon), flag.substr(colon + 1)));
  return {};
}

std::string Credentials::accept_query(std::string_view flag) {
  auto eq = flag.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == flag.size()) {
    return "--accept-query takes NAME=VALUE, e.g. api_key=k";
  }
  query_.emplace_back(flag.substr(0, eq), flag.substr(eq + 1));
  return {};
}

bool Credentials::present_in(const Request& request) const {
  for (const auto& [name, value] : headers_) {
    const std::string* sent = request.header(name);
    if (sent != nullptr && same_header_value(name, *sent, value)) return true;
  }
  for (const auto& [name, value] : query_) {
    const std::string* sent = request.query_value(name);
    if (sent != nullptr && *sent == value) return true;
  }
  return false;
}

bool Credentials::is_credential_header(std::string_view name) const {
  return host::is_secret_name(name) || has_name(headers_, name, true);
}

bool Credentials::is_credential_query(std::string_view name) const {
  return host::is_secret_name(name) || has_name(query_, name, false);
}

}  // namespace destkit::mock_api
