// auth/credential_test — testing a user's credentials for a destination.
//
// Settings are validated first (no request is sent when they are invalid), then extendRequest
// runs, then testRequest with a request function that applies extendRequest's options. The
// verdict tells a person what to do: fix a setting, fix the credentials, or try again later
// because the check itself could not be made.
#pragma once

#include "http/client.hpp"
#include <destkit/host/log.hpp>
#include "oauth/tokens.hpp"
#include <destkit/host/verdict.hpp>
#include "plugin/loader.hpp"
#include "definition/settings.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
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
  TokenRefreshObserver on_token_refresh{};
};

// `connection` names the stored OAuth tokens to use ("default" unless several accounts).
AuthVerdict test_authentication(const LoadedPlugin& plugin, const boost::json::value& settings,
                                const RequestEnvironment& environment, const std::string& connection = "default");

// What testRequest would send, without sending it (destkit test-auth --dry-run).
// Validates the settings and runs extendRequest: its options, or the verdict saying why not.
std::variant<RequestOptions, AuthVerdict> extend_request(const LoadedPlugin& plugin, const boost::json::value& settings,
                                                         const RequestEnvironment& environment,
                                                         const std::string& connection = "default");

DryRun dry_run_authentication(const LoadedPlugin& plugin, const boost::json::value& settings,
                              const RequestEnvironment& environment, const std::string& connection = "default");

}  // namespace destkit::host
