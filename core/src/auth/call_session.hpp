// auth/call_session — the authentication of one credential test: where its credentials come
// from, and what a 401 leads to.
//
// Tokens given with the settings are used as they are and never renewed. Otherwise an OAuth
// destination's call starts with the host's current token for its connection (renewed first
// when it has expired), and the first 401 of the call renews it once, runs extendRequest again
// with the new token, and has request_send send the request again; a later 401 stands. Every
// refresh the session makes (the refresh_token grant, or an oauth2 destination's own
// refreshAccessToken) is reported to the host's TokenRefreshObserver.
#pragma once

#include "abi/call.hpp"
#include "oauth/tokens.hpp"

#include <destkit/host/oauth.hpp>

#include <optional>
#include <string>

namespace destkit::host {

class CallSession final : public CallAuthentication {
 public:
  // `tokens`: the host's OAuth tokens (none: only tokens given with the settings).
  CallSession(OAuthTokens* tokens, TokenRefreshObserver observer, std::string connection);

  // Gives `call` its credentials: the settings' tokens (already in call.auth) or, for an OAuth
  // destination without them, the connection's current token. Why none could be had, if so.
  // `call` must have its environment, hooks, settings, definition and defaults set. In a dry
  // run (call.dry_run set), which sends nothing, a refresh included, the stored token is used
  // as it is, expired or not.
  std::optional<OAuthError> begin(dk_call& call);

  AfterUnauthorized after_unauthorized(dk_call& call) override;

 private:
  std::optional<OAuthError> begin_dry_run(dk_call& call);
  void use(dk_call& call, const TokenRecord& tokens);

  OAuthTokens* tokens_;
  TokenRefreshObserver observer_;
  std::string connection_;
  OAuthTokens::Refresher refresher_{};  // set by begin when the host's tokens are used
  bool refreshed_ = false;
};

}  // namespace destkit::host
