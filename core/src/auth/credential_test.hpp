// destkit/host/auth_check.hpp — testing a user's credentials for a destination.
//
// Settings are validated first (no request is sent when they are invalid), then extendRequest
// runs, then testRequest with a request function that applies extendRequest's options. The
// verdict tells a person what to do: fix a setting, fix the credentials, or try again later
// because the check itself could not be made.
#pragma once

#include "http/client.hpp"
#include <destkit/host/log.hpp>
#include "oauth/tokens.hpp"
#include <destkit/host/plugin.hpp>
#include "definition/settings.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace destkit::host {

// How the host makes requests on behalf of plugins.
struct RequestEnvironment {
  HttpClientConfig http{};
  std::chrono::milliseconds default_timeout{10000};
  std::string user_agent = "destkit";
  LogSink log{};
  bool verbose = false;  // log each request and response (credentials redacted) at debug level
  // Tokens of OAuth destinations not given with the settings; none: only settings tokens.
  std::shared_ptr<OAuthTokens> oauth{};
};

enum class AuthOutcome {
  valid,                // the server accepted the credentials
  unchecked,            // settings are valid; the destination has no testRequest
  invalid_settings,     // nothing was sent
  invalid_credentials,  // the server (or the destination) rejected them: 4xx
  could_not_verify,     // 5xx, timeout, refused connection, TLS, unusable answer
  plugin_failed,        // the destination's code failed
};

struct AuthVerdict {
  AuthOutcome outcome = AuthOutcome::plugin_failed;
  std::string message{};  // e.g. "Credentials are invalid: 401 Unauthorized"; never a secret
  std::optional<int> http_status{};
  std::vector<SettingsProblem> problems{};  // for invalid_settings

  bool ok() const { return outcome == AuthOutcome::valid || outcome == AuthOutcome::unchecked; }
};

// `connection` names the stored OAuth tokens to use ("default" unless several accounts).
AuthVerdict test_authentication(const Plugin& plugin, const boost::json::value& settings,
                                const RequestEnvironment& environment, const std::string& connection = "default");

}  // namespace destkit::host
