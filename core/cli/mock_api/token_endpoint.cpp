#include "mock_api/token_endpoint.hpp"

#include "http/request_options.hpp"
#include "oauth/protocol.hpp"
#include "util/url_form.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace destkit::mock_api {
namespace {

namespace json = boost::json;

Response json_answer(int status, const json::object& body) {
  return {status, {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}}, json::serialize(body)};
}

// RFC 6749 5.2: {"error": "invalid_grant"} and the like.
Response oauth_error(int status, const char* error) { return json_answer(status, {{"error", error}}); }

const std::string* form_value(const NameValueList& form, std::string_view name) {
  for (const auto& [n, v] : form) {
    if (n == name) return &v;
  }
  return nullptr;
}

}  // namespace

TokenEndpoint::TokenEndpoint(std::string client_id, std::string client_secret)
    : client_id_(std::move(client_id)), client_secret_(std::move(client_secret)) {}

// Basic (with both parts form-encoded first, RFC 6749 2.3.1, or as they are, as many clients
// send them), or client_id and client_secret in the form body.
bool TokenEndpoint::client_authenticated(const Request& request, const NameValueList& form) const {
  if (const std::string* basic = request.header("Authorization")) {
    return *basic == host::basic_authorization(client_id_, client_secret_) ||
           *basic == host::basic_authorization(host::percent_encode(client_id_), host::percent_encode(client_secret_));
  }
  const std::string* id = form_value(form, "client_id");
  const std::string* secret = form_value(form, "client_secret");
  return id != nullptr && secret != nullptr && *id == client_id_ && *secret == client_secret_;
}

Response TokenEndpoint::issue_tokens() {
  std::string access = host::random_url_safe(24);
  std::string refresh = host::random_url_safe(24);
  access_tokens_[access] = std::chrono::steady_clock::now() + kLifetime;
  refresh_tokens_.insert(refresh);
  return json_answer(200, {{"access_token", access},
                           {"token_type", "Bearer"},
                           {"expires_in", kLifetime.count()},
                           {"refresh_token", refresh}});
}

Response TokenEndpoint::answer(const Request& request) {
  if (request.method != "POST") {
    Response refused = oauth_error(405, "invalid_request");
    refused.headers.emplace_back("Allow", "POST");
    return refused;
  }
  NameValueList form = host::parse_form(request.body);
  if (!client_authenticated(request, form)) {
    Response refused = oauth_error(401, "invalid_client");
    if (request.header("Authorization") != nullptr) refused.headers.emplace_back("WWW-Authenticate", "Basic realm=\"mock-api\"");
    return refused;
  }
  const std::string* grant = form_value(form, "grant_type");
  if (grant == nullptr) return oauth_error(400, "invalid_request");
  if (*grant == "client_credentials") return issue_tokens();
  if (*grant != "refresh_token") return oauth_error(400, "unsupported_grant_type");
  const std::string* refresh = form_value(form, "refresh_token");
  if (refresh == nullptr || refresh_tokens_.erase(*refresh) == 0) return oauth_error(400, "invalid_grant");
  return issue_tokens();
}

bool TokenEndpoint::accepts(const Request& request) const {
  const std::string* authorization = request.header("Authorization");
  if (authorization == nullptr || authorization->size() < 7 || !host::iequals(authorization->substr(0, 7), "Bearer ")) {
    return false;
  }
  auto token = access_tokens_.find(authorization->substr(7));
  return token != access_tokens_.end() && std::chrono::steady_clock::now() < token->second;
}

}  // namespace destkit::mock_api
