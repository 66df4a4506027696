// oauth/login — signing in to an OAuth destination with the authorization-code flow and PKCE:
// at a terminal, with a one-shot listener on 127.0.0.1 (oauth_login), or in a service that
// receives the browser's way back itself (finish_authorization, after Host::oauth_begin).
#pragma once

#include <destkit/host/oauth.hpp>

#include "oauth/protocol.hpp"
#include "oauth/token_store.hpp"

#include <map>
#include <string>

namespace destkit::host {

// The authorization-code flow with PKCE for a person at a terminal: listens on 127.0.0.1,
// shows the authorization URL, checks `state` on the way back, exchanges the code and stores
// the tokens.
TokenResult oauth_login(const std::string& slug, const OAuthClientConfig& client, const TokenStore& store,
                        const HttpClientConfig& http, const LoginOptions& options);

// The way back of an authorization-code sign-in, its `params` as the redirect's query holds
// them: refuses an `error` answer, exchanges the code with the request's PKCE verifier and
// stores the tokens for slug/connection.
TokenResult finish_authorization(const std::string& slug, const std::string& connection,
                                 const OAuthClientConfig& client, const TokenStore& store, const HttpClientConfig& http,
                                 const AuthorizationRequest& request, std::map<std::string, std::string> params);

}  // namespace destkit::host
