// destkit/host/config.hpp — how a Host is set up: where it looks for plugins, which plugin
// files it trusts, the OAuth clients it runs flows with, and how it makes requests.
//
// The configuration file (--config FILE, DESTKIT_CONFIG) holds, per destination, the OAuth
// client the host runs flows with, and which plugin files to trust:
//
//   {"destinations": {"example-oauth-managed": {"oauth": {
//       "clientId": "abc", "clientSecret": {"env": "EXAMPLE_SECRET"},
//       "authorizeUrl": "https://auth.example.com/authorize",
//       "tokenUrl": "https://auth.example.com/token",
//       "scopes": ["read"], "grant": "authorization_code"}}},
//    "plugins": {"sha256": {"destkit-acme.so": "9f86d0..."}, "requirePins": false,
//                "trustedKeys": [{"file": "/etc/destkit/partner.pub"}], "requireSignatures": true}}
//
// A secret may be inline, {"env": "NAME"} or {"file": "PATH"}; it is resolved at load. The
// token and authorize URLs must be https, except to a loopback host (127.0.0.1, ::1, localhost).
//
// Where plugin code runs (docs/isolation.md): "isolation": "process" runs each plugin library in
// a runner process of its own, "in-process" inside the host. It is set for the whole host at
// the top level and per destination ("destinations": {"acme": {"isolation": "process"}}); when
// neither says, the program decides (a Host: in-process; destkit serve: process). The runners'
// limits are the top-level "runner" object:
//
//   {"isolation": "process",
//    "runner": {"hookDeadlineMs": 10000, "addressSpaceMb": 1024, "openFiles": 64,
//               "crashesBeforeQuarantine": 5, "crashWindowSeconds": 60,
//               "restartBackoffMs": 100, "restartBackoffMaxMs": 2000}}
//
// What discovery learned about plugin libraries can be kept in a metadata cache file, so that
// a host starts without running plugin code and loads a plugin's code at its first use
// (docs/isolation.md, "Starting without running plugin code"): "metadataCache" is the cache
// file's absolute path, or false for none. When it is not set, the program decides (a Host:
// none; destkit serve: $XDG_CACHE_HOME/destkit/plugin-metadata.json).
#pragma once

#include <destkit/host/export.hpp>
#include <destkit/host/log.hpp>
#include <destkit/host/oauth.hpp>
#include <destkit/host/status.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

// Where a plugin library's code runs: inside the host, or in a runner process of its own.
// Declarative destinations run no plugin code and always run in the host.
enum class Isolation { in_process, process };

struct DestinationConfig {
  std::optional<OAuthClientConfig> oauth{};
  std::optional<Isolation> isolation{};  // none: the host's
};

// What each runner process may use, and when the host gives up on one.
struct RunnerLimits {
  // The plugin's own running time in one hook call, not counting the time the host spends on
  // the requests the plugin makes: past it, the runner is killed and the call fails.
  std::chrono::milliseconds hook_deadline{10000};
  std::size_t address_space_bytes = std::size_t{1024} << 20;  // RLIMIT_AS
  int open_files = 64;                                         // RLIMIT_NOFILE
  // A runner that dies this many times within crash_window is not started again until
  // Host::rescan (quarantine).
  int crashes_before_quarantine = 5;
  std::chrono::seconds crash_window{60};
  // After a runner's first end the next starts at once; after further ends within crash_window
  // the host waits restart_backoff, doubling with each end, at most restart_backoff_max.
  std::chrono::milliseconds restart_backoff{100};
  std::chrono::milliseconds restart_backoff_max{2000};
  // Hook calls of one plugin run at once in up to this many runners, started as calls need
  // them (a quarter of destkit serve's default 64 workers); further calls wait for one.
  int runners_per_plugin = 16;
};

// Which plugin files the host agrees to run; see the README's "What the host refuses to trust".
struct PluginTrust {
  bool strict_permissions = true;  // the file and its folders: owned by root or us, not writable by others
  std::map<std::string, std::string, std::less<>> sha256_pins{};  // file name -> lower-case hex
  bool require_pins = false;
  std::vector<std::string> trusted_keys{};  // Ed25519 public keys, PEM
  bool require_signatures = false;
};

struct HostConfig {
  std::map<std::string, DestinationConfig, std::less<>> destinations{};
  PluginTrust plugins{};
  std::optional<Isolation> isolation{};  // none: in-process, unless the program sets it first
  RunnerLimits runner{};
  // The metadata cache file, an absolute path (another is refused with a warning in the log: no
  // cache); an empty path: none. Not set: none, unless the program sets it first.
  std::optional<std::filesystem::path> metadata_cache{};
  // What is accepted but unsafe, for the person running the host: a client secret inline in
  // a file that other users can read.
  std::vector<std::string> warnings{};

  DESTKIT_HOST_API const OAuthClientConfig* oauth_client(std::string_view slug) const;
  // The destination's own setting, else the host's.
  DESTKIT_HOST_API Isolation isolation_of(std::string_view slug) const;
};

// The configuration in `text`; `source` names it in errors. An error names the destination
// and the key: "destinations.acme.oauth.tokenUrl: must be an http(s) URL".
DESTKIT_HOST_API Result<HostConfig> parse_host_config(std::string_view text, const std::string& source);

// Reads (at most 1 MiB) and parses a configuration file; adds a warning when it holds a
// client secret inline and other users can read it. With `strict_permissions`, the file and
// the files it names are refused, as plugin files are, when one is not a regular file, or a
// user other than root and the one running the host can write to it or to a directory above it
// (checked on the file opened, so a link swapped meanwhile changes nothing).
DESTKIT_HOST_API Result<HostConfig> load_host_config(const std::filesystem::path& path, bool strict_permissions = true);

struct HostOptions {
  // Plugin directories, searched in this order: these, then DESTKIT_PLUGIN_PATH
  // (colon-separated) when use_environment_path, then <libdir>/destkit/plugins when
  // use_installed_plugins. In each, files named destkit-*.so and destkit-*.json (declarative
  // destinations) are tried in sorted order.
  std::vector<std::filesystem::path> plugin_directories{};
  bool use_environment_path = true;
  bool use_installed_plugins = true;

  HostConfig config{};
  std::filesystem::path token_directory{};  // empty: $XDG_STATE_HOME/destkit/tokens

  // Requests made on behalf of plugins.
  // curl's CONNECT_TO entries, "HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT": lets a
  // destination written for https://example.com run unchanged against a local server.
  std::vector<std::string> connect_to{};
  std::string ca_file{};  // CA bundle to trust instead of the system's
  // The whole exchange, body included; also of each request to an OAuth token endpoint.
  std::chrono::milliseconds default_timeout{10000};
  std::string user_agent = "destkit";
  int max_redirects = 10;  // 0: a 3xx answer is returned as it is
  std::size_t max_response_bytes = 16 * 1024 * 1024;

  LogSink log{};         // none: log lines are dropped; an exception it throws is ignored
  // Log each request and response at debug level, credentials redacted: a plugin's (as the
  // plugin's slug) and the host's own to token endpoints (as "oauth").
  bool verbose = false;
  TokenRefreshObserver on_token_refresh{};  // none: refreshes are not reported
};

}  // namespace destkit::host
