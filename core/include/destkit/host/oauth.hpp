// destkit/host/oauth.hpp — OAuth connections of oauth2 and oauth-managed destinations.
//
// The host runs the flows with the client configured for the destination (config.hpp), keeps
// the tokens in its token store, and refreshes them when they expire or a server answers 401.
// Nothing here ever hands out a token.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace destkit::host {

// One stored connection (one account of one destination), without its tokens.
struct OAuthConnection {
  std::string connection{};  // "default" unless several accounts are used
  bool signed_in = false;
  bool has_refresh_token = false;
  bool expired = false;
  std::optional<std::chrono::system_clock::time_point> expires_at{};
  std::vector<std::string> scopes{};
  std::filesystem::path stored_in{};
};

struct LoginOptions {
  std::string connection = "default";
  // Shows the person the URL to open (and may open a browser). Not called for the
  // client_credentials grant, where no person signs in.
  std::function<void(const std::string& url)> show_url{};
  // How long to wait for the person to come back from the authorization server.
  std::chrono::seconds timeout{300};
};

// A refresh of an access token that the host made for a credential test: the standard
// refresh_token grant, or an oauth2 destination's own refreshAccessToken. Fetching a new token
// with the client_credentials grant is not a refresh. Holds no token.
struct TokenRefresh {
  std::string slug{};      // the destination
  bool refreshed = false;  // false: the refresh failed
};

// Told of each refresh as it ends, on the thread that made it (HostOptions::on_token_refresh);
// may be called from several threads at once. An exception it throws is ignored.
using TokenRefreshObserver = std::function<void(const TokenRefresh& refresh)>;

// An authorization-code sign-in begun for a browser that comes back to the embedder's own
// redirect URI (Host::oauth_begin). The way back must carry `state`.
struct OAuthAuthorization {
  std::string url{};  // where to send the person: the authorization URL with state and PKCE challenge
  std::string state{};
  std::chrono::system_clock::time_point expires_at{};  // oauth_finish must come before this
};

// A finished sign-in: which destination, and the connection now stored.
struct OAuthSignIn {
  std::string slug{};
  OAuthConnection connection{};
};

}  // namespace destkit::host
