#include "oauth/login.hpp"

#include "oauth/redirect_listener.hpp"
#include "util/printable.hpp"

#include <fmt/format.h>

namespace destkit::host {

TokenResult oauth_login(const std::string& slug, const OAuthClientConfig& client, const TokenStore& store,
                        const HttpClientConfig& http, const LoginOptions& options) {
  if (client.grant != OAuthGrant::authorization_code) {
    return OAuthError{
        OAuthError::Kind::invalid,
        fmt::format("{} uses the client_credentials grant: the host gets its tokens without a sign-in", slug)};
  }
  RedirectListener listener;
  AuthorizationRequest request = authorization_request(client, listener.redirect_uri());
  if (options.show_url) {
    try {
      options.show_url(request.url);
    } catch (...) {  // the embedder's callback: its text is its own, but the URL it was given is not shown
      return OAuthError{OAuthError::Kind::invalid,
                        "LoginOptions::show_url threw, so nobody was shown where to sign in"};
    }
  }
  auto params = listener.wait(request.state, options.timeout);
  if (!params) {
    return OAuthError{OAuthError::Kind::rejected,
                      fmt::format("no sign-in came back within {} seconds", options.timeout.count())};
  }
  return finish_authorization(slug, options.connection, client, store, http, request, *params);
}

TokenResult finish_authorization(const std::string& slug, const std::string& connection,
                                 const OAuthClientConfig& client, const TokenStore& store, const HttpClientConfig& http,
                                 const AuthorizationRequest& request, std::map<std::string, std::string> params) {
  if (params.count("error")) {
    std::string why = params["error"];
    if (params.count("error_description")) why += " (" + params["error_description"] + ")";
    Redactor secrets;
    add_client_secrets(secrets, client);
    return OAuthError{OAuthError::Kind::rejected,
                      "the authorization server refused the sign-in: " + secrets.shown(why, kShownMessageBytes)};
  }
  if (params["code"].empty()) {
    return OAuthError{OAuthError::Kind::invalid, "the authorization server came back without a code"};
  }
  TokenResult result = exchange_authorization_code(client, request, params["code"], http);
  if (auto* record = std::get_if<TokenRecord>(&result)) {
    // After a refresh of the record this replaces, which holds the lock from reading it to
    // saving its own: else that refresh would save the old grant's tokens over these.
    auto lock = store.lock(slug, connection, http.own_request_timeout);
    if (auto* e = std::get_if<TokenStore::LockFailure>(&lock)) {
      OAuthError error = lock_error(*e);
      error.message = "could not store the tokens: " + error.message;
      return error;
    }
    if (std::string error = store.save(slug, connection, *record); !error.empty()) {
      return OAuthError{OAuthError::Kind::invalid, "could not store the tokens: " + error};
    }
  }
  return result;
}

}  // namespace destkit::host
