// credentials — what mock-api accepts as proof of identity: header values, Basic user and
// password pairs, query parameters. Their names also say what the record redacts.
#pragma once

#include "mock_api/https_server.hpp"

#include <string>
#include <string_view>

namespace destkit::mock_api {

class Credentials {
 public:
  // Each adds one accepted credential from its command-line form, or returns why it is
  // malformed (empty when it was added).
  std::string accept_header(std::string_view name_colon_value);  // "Authorization: Bearer k"
  std::string accept_basic(std::string_view user_colon_password);  // "user:pass"
  std::string accept_query(std::string_view name_equals_value);  // "api_key=k"

  // Whether the request carries one of the accepted credentials.
  bool present_in(const Request& request) const;

  // Whether a header or query parameter of that name carries a credential: one accepted here,
  // or one whose name says so (Authorization, X-Api-Key, access_token, ...).
  bool is_credential_header(std::string_view name) const;
  bool is_credential_query(std::string_view name) const;

 private:
  NameValueList headers_;  // Basic pairs are kept here as their Authorization header
  NameValueList query_;
};

}  // namespace destkit::mock_api
