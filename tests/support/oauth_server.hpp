// oauth_server — an OAuth 2.0 authorization server and the API it guards, on 127.0.0.1 over
// HTTPS, for the tests: it approves every sign-in, checks PKCE and client authentication,
// rotates refresh tokens, supports client_credentials, and the API accepts only the newest
// access token.
#pragma once

#include "loopback_server.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace destkit::test {

class OAuthServer {
 public:
  static constexpr const char* kClientId = "test-client";
  static constexpr const char* kClientSecret = "test-client-SECRET-1";

  OAuthServer();

  unsigned short port() const { return server_->port(); }
  std::string url(const std::string& path) const;

  // A host configuration for `slug` pointing at this server.
  std::string config_json(const std::string& slug, const std::string& grant = "authorization_code") const;

  // Issues tokens as if a sign-in had happened: {access, refresh}.
  std::pair<std::string, std::string> issue_tokens();

  int token_requests(const std::string& grant) const;
  int api_requests() const { return api_requests_; }
  std::string last_api_token() const;
  // Every request it received, in order.
  std::vector<loopback::Request> requests() const { return server_->requests(); }

  // expires_in of the next token answers, as raw JSON: "3600", "3599.5", "\"3600\"", ...
  void set_expires_in(const std::string& json);
  void revoke_refresh_tokens();
  // As OAuth 2.1 recommends: a refresh token used twice revokes every token of the sign-in.
  void set_revoke_on_reuse(bool revoke) { revoke_on_reuse_ = revoke; }
  void set_token_endpoint_down(bool down) { token_endpoint_down_ = down; }
  // The token endpoint waits this long before each answer.
  void set_token_delay(std::chrono::milliseconds delay) { token_delay_ms_ = delay.count(); }
  void set_api_refuses_everything(bool refuse) { api_refuses_everything_ = refuse; }
  // Token answers come form-encoded (access_token=...&token_type=bearer), as some providers
  // answer without Accept: application/json.
  void set_token_answers_form_encoded(bool form) { token_answers_form_encoded_ = form; }
  // example-oauth2's renew endpoint answers this access token (JSON text, escapes allowed)
  // instead of one it issued.
  void set_renewed_access_token_json(std::string json) {
    std::lock_guard lock(mutex_);
    renewed_access_token_json_ = std::move(json);
  }
  // Every token request is answered 400, quoting what it was sent: the form body and the
  // Authorization header in error_description (JSON with '/' escaped, as PHP writes it) and
  // the refresh token in the reason phrase.
  void set_token_errors_quote_request(bool quote) { token_errors_quote_request_ = quote; }

 private:
  loopback::Response handle(const loopback::Request& request);
  loopback::Response authorize(const loopback::Request& request);
  loopback::Response token(const loopback::Request& request);
  loopback::Response renew(const loopback::Request& request);
  loopback::Response api(const loopback::Request& request);
  loopback::Response tokens_response(bool with_refresh);

  mutable std::mutex mutex_;
  struct Grant {
    std::string challenge;
    std::string redirect_uri;
  };
  std::map<std::string, Grant> codes_;
  std::set<std::string> refresh_tokens_;
  std::set<std::string> used_refresh_tokens_;
  std::string current_access_;
  std::string last_api_token_;
  std::map<std::string, int> token_requests_;
  std::atomic<int> api_requests_{0};
  std::atomic<bool> token_answers_form_encoded_{false};
  std::string expires_in_ = "3600";
  std::string renewed_access_token_json_;
  std::atomic<bool> token_endpoint_down_{false};
  std::atomic<long long> token_delay_ms_{0};
  std::atomic<bool> api_refuses_everything_{false};
  std::atomic<bool> revoke_on_reuse_{false};
  std::atomic<bool> token_errors_quote_request_{false};
  int counter_ = 0;
  std::unique_ptr<loopback::Server> server_;
};

}  // namespace destkit::test
