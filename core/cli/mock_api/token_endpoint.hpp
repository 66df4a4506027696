// token_endpoint — an OAuth 2.0 token endpoint (RFC 6749) for one client, at POST /oauth/token:
// the client_credentials and refresh_token grants. The access tokens it issues are accepted as
// Bearer credentials; each refresh token works once and is replaced by a new one.
#pragma once

#include "mock_api/https_server.hpp"

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace destkit::mock_api {

class TokenEndpoint {
 public:
  static constexpr std::string_view kPath = "/oauth/token";
  static constexpr std::chrono::seconds kLifetime{3600};

  TokenEndpoint(std::string client_id, std::string client_secret);

  Response answer(const Request& request);

  // Whether the request carries "Authorization: Bearer T" with T issued here and not expired.
  bool accepts(const Request& request) const;

 private:
  bool client_authenticated(const Request& request, const NameValueList& form) const;
  Response issue_tokens();

  std::string client_id_;
  std::string client_secret_;
  std::map<std::string, std::chrono::steady_clock::time_point> access_tokens_;  // -> expiry
  std::set<std::string> refresh_tokens_;  // the ones not used yet
};

}  // namespace destkit::mock_api
