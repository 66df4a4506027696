// oauth/protocol — the OAuth 2.0 protocol as the host speaks it: the authorization
// request with PKCE (RFC 7636), and the token endpoint's grants (authorization_code,
// refresh_token, client_credentials).
#pragma once

#include <destkit/host/config.hpp>
#include "http/client.hpp"
#include "http/redactor.hpp"
#include "oauth/token_store.hpp"

#include <string>
#include <variant>

namespace destkit::host {

struct OAuthError {
  enum class Kind {
    rejected,        // the authorization server said no (invalid_grant, 4xx): sign in again
    unavailable,     // the token endpoint could not be reached or failed (5xx, network), or
                     // another process kept the connection's lock past the wait
    not_signed_in,   // no token is stored and none can be fetched
    invalid,         // bad configuration or a malformed answer
    client_refused,  // the token endpoint refused the configured client (invalid_client,
                     // unauthorized_client): the configuration's to fix, not the user's
  };
  Kind kind = Kind::invalid;
  std::string message{};  // never contains a token or the client secret
};

using TokenResult = std::variant<TokenRecord, OAuthError>;

// A connection's lock not had: unavailable while another process held it, invalid otherwise
// (the store is not safe to use).
OAuthError lock_error(const TokenStore::LockFailure& failure);

struct AuthorizationRequest {
  std::string url{};  // where the person signs in
  std::string state{};
  std::string code_verifier{};
  std::string redirect_uri{};
};

// A token endpoint's answer: the tokens, or the error it states (RFC 6749 5.2). `host` names
// the endpoint in errors. Tokens, token_type and scope too long, or with a character that is
// not printable ASCII, are refused.
TokenResult read_token_response(const HttpResponse& response, const OAuthClientConfig& client, const std::string& host,
                                const Redactor& redactor);

// A fresh request with a random state and PKCE verifier (S256 challenge in the URL).
AuthorizationRequest authorization_request(const OAuthClientConfig& client, const std::string& redirect_uri);

TokenResult exchange_authorization_code(const OAuthClientConfig& client, const AuthorizationRequest& request,
                                        const std::string& code, const HttpClientConfig& http);

// The refresh_token grant. A refresh token the server does not rotate is kept.
TokenResult refresh_access_token(const OAuthClientConfig& client, const TokenRecord& current,
                                 const HttpClientConfig& http);

TokenResult fetch_client_credentials_token(const OAuthClientConfig& client, const HttpClientConfig& http);

// Makes `redactor` know the client's secret, alone and in its Basic credentials.
void add_client_secrets(Redactor& redactor, const OAuthClientConfig& client);

// BASE64URL(SHA-256(verifier)) without padding.
std::string pkce_challenge(const std::string& verifier);

// `bytes` random bytes from the system's CSPRNG, base64url without padding.
std::string random_url_safe(std::size_t bytes);

}  // namespace destkit::host
