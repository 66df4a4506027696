// destkit/host/host_config.hpp — the host's configuration file (--config FILE, DESTKIT_CONFIG).
//
// Today it holds, per destination, the OAuth client the host runs flows with:
//
//   {"destinations": {"example-oauth-managed": {"oauth": {
//       "clientId": "abc", "clientSecret": {"env": "EXAMPLE_SECRET"},
//       "authorizeUrl": "https://auth.example.com/authorize",
//       "tokenUrl": "https://auth.example.com/token",
//       "scopes": ["read"], "grant": "authorization_code"}}}}
//
// A secret may be inline, {"env": "NAME"} or {"file": "PATH"}; it is resolved at load. The
// token and authorize URLs must be https, except to a loopback host (127.0.0.1, ::1, localhost).
//
// It also says which plugin files to trust (plugin_trust.hpp):
//
//   {"plugins": {"sha256": {"destkit-acme.so": "9f86d0..."}, "requirePins": false,
//                "trustedKeys": [{"file": "/etc/destkit/partner.pub"}], "requireSignatures": true}}
#pragma once

#include "plugin/trust.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace destkit::host {

enum class OAuthGrant { authorization_code, client_credentials };

struct OAuthClientConfig {
  std::string client_id{};
  std::string client_secret{};
  std::string authorize_url{};  // authorization_code only
  std::string token_url{};
  std::vector<std::string> scopes{};
  OAuthGrant grant = OAuthGrant::authorization_code;
  bool secret_inline = false;  // the configuration text holds the secret itself
};

struct DestinationConfig {
  std::optional<OAuthClientConfig> oauth{};
};

struct HostConfig {
  std::map<std::string, DestinationConfig, std::less<>> destinations{};
  PluginTrust plugins{};  // "plugins": {"sha256", "requirePins", "trustedKeys", "requireSignatures"}
  // What is accepted but unsafe, for the person running the host: a client secret inline in
  // a file that other users can read.
  std::vector<std::string> warnings{};

  const OAuthClientConfig* oauth_client(std::string_view slug) const;
};

// The configuration in `text`; `source` names it in errors. An error names the destination
// and the key: "destinations.acme.oauth.tokenUrl: must be an http(s) URL".
std::variant<HostConfig, std::string> parse_host_config(std::string_view text, const std::string& source);

// Reads (at most 1 MiB) and parses a configuration file; adds a warning when it holds a
// client secret inline and other users can read it.
std::variant<HostConfig, std::string> load_host_config(const std::filesystem::path& path);

}  // namespace destkit::host
