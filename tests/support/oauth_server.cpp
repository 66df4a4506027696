#include "oauth_server.hpp"

#include "environment.hpp"

#include "oauth/protocol.hpp"
#include "http/request_options.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace destkit::test {
namespace {

using loopback::Request;
using loopback::Response;

// As long as real tokens, past std::string's small-string buffer: a pointer kept to a token
// that was replaced then points into freed memory, which AddressSanitizer reports.
std::string token_text(const char* kind, int counter) { return fmt::format("{}-SECRET-{}-6f1c9e2a7b4d8053", kind, counter); }

int hex(char c) { return std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::tolower(c) - 'a' + 10); }

std::map<std::string, std::string> parse_form(std::string_view text) {
  std::map<std::string, std::string> out;
  auto decode = [](std::string_view s) {
    std::string r;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '+') {
        r += ' ';
      } else if (s[i] == '%' && i + 2 < s.size()) {
        r += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
        i += 2;
      } else {
        r += s[i];
      }
    }
    return r;
  };
  while (!text.empty()) {
    auto amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    auto eq = pair.find('=');
    out[decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : decode(pair.substr(eq + 1));
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
  }
  return out;
}

Response oauth_error(int status, const std::string& error) {
  return Response::json(status, fmt::format(R"({{"error":"{}","error_description":"test server says {}"}})", error, error));
}

// A token endpoint that quotes the request in its error, as careless ones do.
Response quoting_error(const Request& r, const std::string& refresh_token) {
  boost::json::object body{{"error", "invalid_grant"},
                           {"error_description", "refused " + r.body + " from " + r.header("Authorization")}};
  std::string escaped;
  for (char c : boost::json::serialize(body)) escaped += c == '/' ? std::string("\\/") : std::string(1, c);
  Response answer = Response::json(400, escaped);
  if (!refresh_token.empty()) answer.reason = "Refused " + refresh_token;
  return answer;
}

}  // namespace

OAuthServer::OAuthServer()
    : server_(std::make_unique<loopback::Server>([this](const Request& r) { return handle(r); }, test_certificate())) {}

std::string OAuthServer::url(const std::string& path) const {
  return fmt::format("https://127.0.0.1:{}{}", port(), path);
}

std::string OAuthServer::config_json(const std::string& slug, const std::string& grant) const {
  return fmt::format(R"({{"destinations": {{"{}": {{"oauth": {{
      "clientId": "{}", "clientSecret": "{}", "authorizeUrl": "{}", "tokenUrl": "{}",
      "scopes": ["read", "write"], "grant": "{}"}}}}}}}})",
                     slug, kClientId, kClientSecret, url("/authorize"), url("/token"), grant);
}

std::pair<std::string, std::string> OAuthServer::issue_tokens() {
  std::lock_guard lock(mutex_);
  ++counter_;
  current_access_ = token_text("access", counter_);
  std::string refresh = token_text("refresh", counter_);
  refresh_tokens_.insert(refresh);
  return {current_access_, refresh};
}

int OAuthServer::token_requests(const std::string& grant) const {
  std::lock_guard lock(mutex_);
  auto it = token_requests_.find(grant);
  return it == token_requests_.end() ? 0 : it->second;
}

std::string OAuthServer::last_api_token() const {
  std::lock_guard lock(mutex_);
  return last_api_token_;
}

void OAuthServer::set_expires_in(const std::string& json) {
  std::lock_guard lock(mutex_);
  expires_in_ = json;
}

void OAuthServer::revoke_refresh_tokens() {
  std::lock_guard lock(mutex_);
  refresh_tokens_.clear();
}

Response OAuthServer::handle(const Request& r) {
  if (r.target.starts_with("/authorize")) return authorize(r);
  if (r.target == "/token") {
    Response answer = token(r);
    answer.delay = std::chrono::milliseconds(token_delay_ms_.load());
    return answer;
  }
  if (r.target == "/api/oauth/renew") return renew(r);
  if (r.target.starts_with("/api/")) return api(r);
  return Response::json(404, "{}");
}

// Approves at once and sends the browser back with a code bound to the PKCE challenge.
Response OAuthServer::authorize(const Request& r) {
  auto q = parse_form(r.target.substr(r.target.find('?') + 1));
  if (q["client_id"] != kClientId || q["response_type"] != "code" || q["code_challenge_method"] != "S256" ||
      q["code_challenge"].empty() || q["scope"] != "read write") {
    return Response::json(400, R"({"error":"invalid_request"})");
  }
  std::string code;
  {
    std::lock_guard lock(mutex_);
    code = fmt::format("code-{}", ++counter_);
    codes_[code] = {q["code_challenge"], q["redirect_uri"]};
  }
  return Response::redirect(302, fmt::format("{}?code={}&state={}", q["redirect_uri"], code, host::percent_encode(q["state"])));
}

Response OAuthServer::tokens_response(bool with_refresh) {
  // Caller holds the mutex.
  ++counter_;
  current_access_ = token_text("access", counter_);
  boost::json::object body{{"access_token", current_access_}, {"token_type", "Bearer"}, {"expires_in", boost::json::parse(expires_in_)},
                           {"scope", "read write"}};
  if (with_refresh) {
    std::string refresh = token_text("refresh", counter_);
    refresh_tokens_.insert(refresh);
    body["refresh_token"] = refresh;
  }
  if (token_answers_form_encoded_) {
    Response form{.status = 200, .headers = {{"Content-Type", "application/x-www-form-urlencoded"}}};
    for (const auto& [name, value] : body) {
      std::string text = value.is_string() ? std::string(value.get_string()) : boost::json::serialize(value);
      form.body += (form.body.empty() ? "" : "&") + std::string(name) + "=" + text;
    }
    return form;
  }
  return Response::json(200, boost::json::serialize(body));
}

Response OAuthServer::token(const Request& r) {
  auto form = parse_form(r.body);
  std::lock_guard lock(mutex_);
  ++token_requests_[form["grant_type"]];
  if (token_errors_quote_request_) return quoting_error(r, form["refresh_token"]);
  if (token_endpoint_down_) return Response::json(503, R"({"error":"temporarily_unavailable"})");
  if (r.header("Authorization") != host::basic_authorization(kClientId, kClientSecret)) return oauth_error(401, "invalid_client");
  const std::string& grant = form["grant_type"];
  if (grant == "authorization_code") {
    auto it = codes_.find(form["code"]);
    if (it == codes_.end() || it->second.redirect_uri != form["redirect_uri"] ||
        host::pkce_challenge(form["code_verifier"]) != it->second.challenge) {
      return oauth_error(400, "invalid_grant");
    }
    codes_.erase(it);
    return tokens_response(true);
  }
  if (grant == "refresh_token") {
    // Rotation: the refresh token is single-use.
    if (refresh_tokens_.erase(form["refresh_token"]) == 0) {
      if (revoke_on_reuse_ && used_refresh_tokens_.count(form["refresh_token"])) {
        refresh_tokens_.clear();
        current_access_.clear();
      }
      return oauth_error(400, "invalid_grant");
    }
    used_refresh_tokens_.insert(form["refresh_token"]);
    return tokens_response(true);
  }
  if (grant == "client_credentials") return tokens_response(false);
  return oauth_error(400, "unsupported_grant_type");
}

// example-oauth2's non-standard endpoint: JSON in, {"token", "refresh", "ttl"} out.
Response OAuthServer::renew(const Request& r) {
  boost::json::value body = boost::json::parse(r.body);
  std::lock_guard lock(mutex_);
  ++token_requests_["renew"];
  if (body.at("client") != kClientId || body.at("secret") != kClientSecret ||
      refresh_tokens_.erase(std::string(body.at("refresh").as_string())) == 0) {
    return Response::json(403, R"({"problem":"no"})");
  }
  ++counter_;
  current_access_ = token_text("access", counter_);
  std::string refresh = token_text("refresh", counter_);
  refresh_tokens_.insert(refresh);
  std::string token = renewed_access_token_json_.empty() ? current_access_ : renewed_access_token_json_;
  return Response::json(200, fmt::format(R"({{"token":"{}","refresh":"{}","ttl":3600}})", token, refresh));
}

Response OAuthServer::api(const Request& r) {
  ++api_requests_;
  std::lock_guard lock(mutex_);
  last_api_token_ = r.header("Authorization");
  bool current = !api_refuses_everything_ && last_api_token_ == "Bearer " + current_access_;
  return current ? Response::json(200, R"({"id":"acct"})") : Response::json(401, R"({"error":"invalid_token"})");
}

}  // namespace destkit::test
