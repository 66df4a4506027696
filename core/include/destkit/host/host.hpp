// destkit/host/host.hpp — the host as a library: discover and load plugins, validate
// settings, test credentials, and connect OAuth accounts. The `destkit` CLI is a layer over
// this; a C++ service embeds it the same way (docs/embed.md).
//
// Settings enter as JSON text (an object of field values, as a user typed them), so every
// embedder goes through the same strict parser: duplicate keys are refused, and size and
// depth are bounded. No function here throws (status.hpp).
#pragma once

#include <destkit/host/config.hpp>
#include <destkit/host/definition.hpp>
#include <destkit/host/export.hpp>
#include <destkit/host/extension.hpp>
#include <destkit/host/log.hpp>
#include <destkit/host/oauth.hpp>
#include <destkit/host/plugin.hpp>
#include <destkit/host/status.hpp>
#include <destkit/host/verdict.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace destkit::host {

class DESTKIT_HOST_API Host {
 public:
  // Discovers and loads every plugin on the search path. Files that are not usable plugins
  // are listed in rejections(); they never stop the others from loading.
  explicit Host(HostOptions options);
  // Must not run while a call on this Host is in flight: it does not wait for one.
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  const std::vector<std::filesystem::path>& search_path() const;
  // In discovery order. The vector lives as long as the Host, and rescan() adds to it (an
  // iterator into it does not survive a rescan); each Plugin* is valid for the life of the Host.
  const std::vector<const Plugin*>& plugins() const;
  const std::vector<Rejection>& rejections() const;
  const Plugin* find(std::string_view slug) const;

  // Why the host no longer runs this plugin's code: its runner ended too often (see
  // RunnerLimits); its hooks fail at once until rescan() or a new Host. Empty while it runs.
  std::string quarantine_reason(const Plugin& plugin) const;

  // Every problem the definition's field rules find in these settings, per field; none when
  // they are valid. Sends nothing and runs no plugin code, so what only extendRequest finds (a
  // value a header cannot carry) is found by test_authentication and extend_request alone.
  std::vector<SettingsProblem> validate_settings(const Plugin& plugin, std::string_view settings_json) const;

  // Validates the settings, runs extendRequest and testRequest. `connection` names the stored
  // OAuth tokens to use. Thread-safe: may be called concurrently. A failure of the host
  // itself is the verdict plugin_failed.
  AuthVerdict test_authentication(const Plugin& plugin, std::string_view settings_json,
                                  const std::string& connection = "default") const;
  // test_authentication without sending anything: the requests extendRequest and testRequest
  // ask for are recorded, redacted, and answered "not sent" (DryRun says what that shows). An
  // OAuth token is used as stored, expired or not: a refresh would send it.
  DryRun dry_run_authentication(const Plugin& plugin, std::string_view settings_json,
                                const std::string& connection = "default") const;
  // Validates the settings and runs extendRequest only: the options it produced. Fails with
  // invalid_argument (invalid settings, or the destination rejected them) or failed
  // (extendRequest failed), the message being the verdict test_authentication would give.
  Result<RequestExtension> extend_request(const Plugin& plugin, std::string_view settings_json,
                                          const std::string& connection = "default") const;

  // Signs in with the destination's configured OAuth client: the authorization-code flow with
  // PKCE for a person (a one-shot listener on 127.0.0.1), or the client_credentials grant.
  Result<OAuthConnection> oauth_login(const Plugin& plugin, const LoginOptions& options) const;
  // The stored connection; signed_in is false when there is none. Every OAuth call fails with
  // invalid_argument for a destination whose scheme is not oauth2 or oauth-managed.
  Result<OAuthConnection> oauth_status(const Plugin& plugin, const std::string& connection = "default") const;
  // The authorization-code flow with PKCE for an embedder that receives the browser's way back
  // itself (a web service). oauth_begin returns the URL to send the person to; its state and
  // PKCE verifier stay in this Host for ten minutes (at most 256 sign-ins wait at once: the
  // oldest is dropped). oauth_finish takes the state and code the redirect brought (or its
  // `error` parameter when the person or the server refused), checks the state, which works
  // once, exchanges the code with the verifier and stores the tokens for the connection named
  // at begin. An unknown, used or expired state is Status::Code::rejected. Thread-safe.
  // Every OAuth call here refuses a connection name the token store could not use (1 to 64
  // letters, digits, '-', '_' or '.', not starting with '.') with invalid_argument, and
  // oauth_begin a redirect URI that is not an absolute http(s) URL of at most 2048 bytes
  // without a fragment, white space or control character.
  Result<OAuthAuthorization> oauth_begin(const Plugin& plugin, const std::string& connection,
                                         const std::string& redirect_uri) const;
  Result<OAuthSignIn> oauth_finish(const std::string& state, const std::string& code,
                                   const std::string& error = {}) const;
  // Deletes the stored tokens, once a refresh of them under way (in this process or another)
  // has saved its own; false when nothing was stored. Blocks while that refresh runs.
  Result<bool> oauth_logout(const Plugin& plugin, const std::string& connection = "default") const;

  // Searches the search path again: files not loaded yet are tried (new plugins are added to
  // plugins(), rejected ones replace their earlier rejection); nothing is unloaded, and a
  // loaded file that changed or went away is reported, not reloaded. Quarantined plugins are
  // released: their next call starts a runner again (the operator's reload). Must not run while
  // another thread calls plugins(), rejections() or find(); every other call may go on.
  RescanReport rescan();

  // Loads one file as `destkit check` does, with the trust rules of `options.config`, outside
  // any Host. The Plugin stays usable for the life of the process. Fails with not_found when
  // nothing is at `path` (or a symbolic link there leads nowhere), rejected when the file is not
  // a plugin the host would load.
  static Result<std::unique_ptr<Plugin>> check_plugin_file(const std::filesystem::path& path,
                                                           const HostOptions& options);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace destkit::host
