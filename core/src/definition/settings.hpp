// definition/settings — validating the settings a user gives a destination.
//
// Runs before anything else: every problem is reported at once, per field, in words a person
// understands; defaults are applied and numbers/booleans given as strings are coerced.
// Secret values never appear in a message.
#pragma once

#include <destkit/host/definition.hpp>
#include <destkit/host/verdict.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace destkit::host {

// Tokens given with the settings under "oauth" (access_token, refresh_token), as Segment does.
struct AuthTokens {
  std::string access_token{};
  std::string refresh_token{};
};


struct ValidatedSettings {
  boost::json::object values{};  // validated, coerced, defaults applied
  AuthTokens auth{};
  std::vector<SettingsProblem> problems{};  // in field order, then unknown keys

  bool ok() const { return problems.empty(); }
  // Every secret value in these settings (password fields, tokens), for redaction.
  std::vector<std::string> secrets(const Definition& definition) const;
};

// The key that carries OAuth tokens in a settings object.
inline constexpr std::string_view kOAuthSettingsKey = "oauth";

ValidatedSettings validate_settings(const Definition& definition, const boost::json::value& input);

}  // namespace destkit::host
