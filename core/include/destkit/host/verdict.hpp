// destkit/host/verdict.hpp — what testing a user's credentials concluded.
//
// A verdict tells a person what to do: fix a setting, fix the credentials, or try again later
// because the check itself could not be made. Its text never contains a secret.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace destkit::host {

enum class AuthOutcome {
  valid,                // the server accepted the credentials
  unchecked,            // settings are valid; the destination has no testRequest
  invalid_settings,     // nothing was sent
  invalid_credentials,  // the server (or the destination) rejected them: 4xx
  could_not_verify,     // 5xx, timeout, refused connection, TLS, unusable answer
  plugin_failed,        // the destination's code failed
};

// One problem with one setting.
struct SettingsProblem {
  std::string key{};      // the field (or unknown settings key) the problem is about
  std::string message{};  // a whole sentence naming the field by its label
};

struct AuthVerdict {
  AuthOutcome outcome = AuthOutcome::plugin_failed;
  std::string message{};  // e.g. "Credentials are invalid: 401 Unauthorized"
  std::optional<int> http_status{};
  std::vector<SettingsProblem> problems{};  // for invalid_settings

  // Nothing is wrong: valid, or unchecked. (The CLI's and serve's JSON say "ok" for valid only.)
  bool ok() const { return outcome == AuthOutcome::valid || outcome == AuthOutcome::unchecked; }
};

// A request as a dry run shows it: credential-named headers read [redacted], the URL has its
// credential-named query values redacted, and every secret the call knows is redacted
// wherever it stands.
struct ShownRequest {
  std::string method{};
  std::string url{};
  std::vector<std::pair<std::string, std::string>> headers{};
  std::optional<std::string> body{};
};

// What testRequest would send, found without sending it. Every request testRequest asks for
// is recorded and answered "not sent: this is a dry run", as a network failure would be.
struct DryRun {
  // When testRequest did not run (invalid settings, a failed extendRequest, no testRequest,
  // no OAuth token), why; otherwise what testRequest concluded from the "not sent" answers.
  AuthVerdict verdict{};
  bool ran_test_request = false;
  // In the order the hooks asked for them (extendRequest's first, if it asks for any). Only
  // the first is sure to be sent as shown; a later one was asked for after a "not sent" answer.
  std::vector<ShownRequest> requests{};
};

}  // namespace destkit::host
