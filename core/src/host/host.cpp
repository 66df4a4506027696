#include <destkit/host/host.hpp>

#include "auth/credential_test.hpp"
#include "oauth/login.hpp"
#include "oauth/protocol.hpp"
#include "oauth/token_store.hpp"
#include "oauth/tokens.hpp"
#include "plugin/discovery.hpp"
#include "plugin/file_identity.hpp"
#include "plugin/loader.hpp"
#include "plugin/metadata_cache.hpp"
#include "plugin/warm_start.hpp"
#include "util/json_input.hpp"
#include "util/printable.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <system_error>

namespace destkit::host {
namespace {

RequestEnvironment request_environment(const HostOptions& options) {
  RequestEnvironment env;
  env.http.connect_to = options.connect_to;
  env.http.ca_file = options.ca_file;
  env.http.max_redirects = options.max_redirects;
  env.http.max_response_bytes = options.max_response_bytes;
  env.default_timeout = options.default_timeout;
  env.http.own_request_timeout = options.default_timeout;
  env.user_agent = options.user_agent;
  env.log = options.log;
  env.verbose = options.verbose;
  if (options.verbose && options.log) {
    env.http.trace_own_requests = [log = options.log](const std::string& line) { log(LogLevel::debug, "oauth", line); };
  }
  env.on_token_refresh = options.on_token_refresh;
  std::filesystem::path tokens =
      options.token_directory.empty() ? TokenStore::default_directory() : options.token_directory;
  env.oauth = std::make_shared<OAuthTokens>(options.config, TokenStore(tokens), env.http, options.log);
  return env;
}

Status oauth_status_of(const OAuthError& e) {
  switch (e.kind) {
    case OAuthError::Kind::rejected:
    case OAuthError::Kind::not_signed_in: return Status::error(Status::Code::rejected, e.message);
    case OAuthError::Kind::unavailable: return Status::error(Status::Code::unavailable, e.message);
    // As when no client is configured: the configuration is the caller's to fix.
    case OAuthError::Kind::client_refused: return Status::error(Status::Code::invalid_argument, e.message);
    case OAuthError::Kind::invalid: break;
  }
  return Status::error(Status::Code::failed, e.message);
}

// Why OAuth calls do not apply to this destination; ok when they do.
Status not_oauth(const Plugin& plugin) {
  if (plugin.definition().uses_oauth()) return Status();
  return Status::error(Status::Code::invalid_argument, fmt::format("{} uses the {} scheme, not OAuth", plugin.slug(),
                                                                   to_string(plugin.definition().scheme)));
}

// A user's settings text: its errors name no key, which could be a secret typed in the wrong place.
ParsedJson parse_settings_text(std::string_view text) { return parse_json_input(text, {.name_keys = false}); }

// Whatever escapes the host's own code (a bug, or memory running out) becomes a Status or a
// verdict, never an exception; its text is left out, since it could quote a secret.
Status internal_error() { return Status::error(Status::Code::failed, "the host failed unexpectedly"); }

// What a status shows of a record. Its scopes are searched for its tokens and the client
// secret: a record is read from disk, where another tool may have written anything.
OAuthConnection connection_of(const std::string& connection, const TokenRecord* record,
                              const std::filesystem::path& stored_in, const OAuthClientConfig* client) {
  OAuthConnection out;
  out.connection = connection;
  out.stored_in = stored_in;
  if (record == nullptr) return out;
  out.signed_in = true;
  out.has_refresh_token = !record->refresh_token.empty();
  out.expired = record->expires_within(std::chrono::seconds(0));
  out.expires_at = record->expires_at;
  Redactor secrets;
  secrets.add(record->access_token);
  secrets.add(record->refresh_token);
  if (client != nullptr) add_client_secrets(secrets, *client);
  for (const std::string& scope : record->scopes) out.scopes.push_back(secrets.apply(scope));
  return out;
}

// A sign-in begun by oauth_begin, waiting for the browser to come back.
struct PendingSignIn {
  const Plugin* plugin = nullptr;
  std::string connection{};
  AuthorizationRequest request{};
  std::chrono::system_clock::time_point expires_at{};
};

// The embedder's sink, with an exception it throws ignored: a log line that could not be
// written must not change a verdict, nor be blamed on a plugin.
LogSink ignoring_exceptions(LogSink sink) {
  if (!sink) return sink;
  return [sink = std::move(sink)](LogLevel level, std::string_view source, std::string_view message) {
    try {
      sink(level, source, message);
    } catch (...) {
    }
  };
}

// Why `connection` cannot name a stored connection, as a Status; ok when it can.
Status connection_problem(const std::string& connection) {
  if (safe_name(connection)) return {};
  return Status::error(Status::Code::invalid_argument, fmt::format("\"{}\" is not a valid connection name: {}",
                                                                   printable(connection, 80), kConnectionNameRule));
}

// An absolute http(s) URL with no fragment, white space or control character: where a
// provider may send the browser back.
bool usable_redirect_uri(std::string_view uri) {
  constexpr std::size_t kMaxRedirectUriBytes = 2048;
  bool absolute = uri.starts_with("https://") || uri.starts_with("http://");
  bool clean = std::none_of(uri.begin(), uri.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f || c == '#'; });
  return absolute && clean && uri.size() <= kMaxRedirectUriBytes && uri.find("://", 4) + 3 < uri.size();
}

constexpr std::chrono::minutes kSignInLifetime{10};
constexpr std::size_t kMaxPendingSignIns = 256;

}  // namespace

struct Host::Impl {
  HostOptions options;
  RequestEnvironment requests;
  std::vector<std::filesystem::path> search_path;
  std::vector<std::unique_ptr<LoadedPlugin>> owned;
  std::vector<const Plugin*> plugins;
  std::map<std::string, const Plugin*, std::less<>> by_slug;  // the same plugins, to find a slug taken
  std::vector<Rejection> rejections;
  // What each plugin file looked like when it was loaded, to tell a rescan whether it changed.
  std::map<std::filesystem::path, std::optional<FileIdentity>> loaded_stamps;
  MetadataCache cache;
  std::mutex pending_mutex;
  std::map<std::string, PendingSignIn, std::less<>> pending;  // by state

  // Adds the plugin, or the rejection; returns the plugin added, if any.
  const Plugin* add(LoadResult result) {
    if (auto* rejection = std::get_if<Rejection>(&result)) {
      rejections.push_back(std::move(*rejection));
      return nullptr;
    }
    auto& plugin = std::get<std::unique_ptr<LoadedPlugin>>(result);
    if (auto first = by_slug.find(plugin->slug()); first != by_slug.end()) {
      rejections.push_back({plugin->path(), fmt::format("its slug \"{}\" is already taken by {}", plugin->slug(),
                                                        first->second->path().string())});
      return nullptr;
    }
    by_slug.emplace(plugin->slug(), plugin.get());
    loaded_stamps[plugin->path()] = identity_at(plugin->path());
    plugins.push_back(plugin.get());
    owned.push_back(std::move(plugin));
    return plugins.back();
  }

  // Forgets sign-ins whose time is up, and the oldest when too many wait. Holds pending_mutex.
  void prune_pending(std::chrono::system_clock::time_point now) {
    std::erase_if(pending, [&](const auto& entry) { return entry.second.expires_at <= now; });
    while (pending.size() >= kMaxPendingSignIns) {
      auto oldest = std::min_element(pending.begin(), pending.end(), [](const auto& a, const auto& b) {
        return a.second.expires_at < b.second.expires_at;
      });
      pending.erase(oldest);
    }
  }

  // Discovers one file: a library through the metadata cache, or as without it outside a pass
  // over the whole search path (`pass` null); a declarative destination by reading it (it runs no code, and
  // parsing it costs little more than checking a cache entry would).
  LoadResult discover(const std::filesystem::path& file, DiscoveryPass* pass) {
    if (is_declarative_file_name(file.filename().string())) return load_plugin(file, options.log, options.config);
    return pass == nullptr ? discover_library_cold(file, cache, options.log, options.config, nullptr)
                           : discover_library(file, cache, options.log, options.config, *pass);
  }

  // What a change of the file of a listed plugin means for it.
  std::string change_of(const std::filesystem::path& file) const {
    for (const auto& plugin : owned) {
      if (plugin->path() == file && !plugin->code_loaded()) {
        return "the file changed since the plugin was listed, before its code was loaded: its calls fail until the "
               "host restarts";
      }
    }
    return "the file changed since it was loaded; the loaded plugin keeps running";
  }

  // The plugin files of one search-path directory. A directory the user named that cannot be
  // listed is worth a warning (a mistyped --plugin-path otherwise just finds nothing); the
  // installed one may be absent where an embedder ships no bundled plugins.
  std::vector<std::filesystem::path> plugin_files_of(const std::filesystem::path& directory) const {
    PluginFiles found = plugin_files_in(directory);
    bool absent_installed = directory == installed_plugin_directory() && found.files.empty();
    if (!found.problem.empty() && !absent_installed && options.log)
      options.log(LogLevel::warn, "destkit", found.problem);
    return std::move(found.files);
  }

  void save_cache() {
    std::string error = cache.save();
    if (!error.empty() && options.log) options.log(LogLevel::warn, "destkit", error);
  }

  // The configured client of an OAuth destination, or why there is none.
  Result<const OAuthClientConfig*> oauth_client(const Plugin& plugin) const {
    if (Status problem = not_oauth(plugin); !problem.ok()) return problem;
    const OAuthClientConfig* client = options.config.oauth_client(plugin.slug());
    if (client == nullptr) {
      return Status::error(Status::Code::invalid_argument,
                           fmt::format("no OAuth client is configured for {}: add destinations.{}.oauth to the "
                                       "configuration (--config FILE or DESTKIT_CONFIG)",
                                       plugin.slug(), plugin.slug()));
    }
    return client;
  }
};

Host::Host(HostOptions options) : impl_(std::make_unique<Impl>()) {
  options.log = ignoring_exceptions(std::move(options.log));
  impl_->options = std::move(options);
  const HostOptions& o = impl_->options;
  impl_->requests = request_environment(o);
  impl_->search_path = plugin_search_path({o.plugin_directories, o.use_environment_path, o.use_installed_plugins});
  if (o.config.metadata_cache && !o.config.metadata_cache->empty()) {
    impl_->cache = MetadataCache::open(*o.config.metadata_cache, o.log);
  }
  DiscoveryPass pass;
  for (const auto& directory : impl_->search_path) {
    // One file or folder that makes discovery fail unexpectedly is a rejection, not an exception.
    try {
      for (const auto& file : impl_->plugin_files_of(directory)) {
        try {
          impl_->add(impl_->discover(file, &pass));
        } catch (...) {
          impl_->rejections.push_back({file, "it could not be loaded: the host failed unexpectedly"});
        }
      }
    } catch (...) {
      impl_->rejections.push_back({directory, "its plugins could not be listed: the host failed unexpectedly"});
    }
  }
  try {
    impl_->save_cache();
  } catch (...) {
    // the cache only saves the next start work
  }
}

Host::~Host() = default;

const std::vector<std::filesystem::path>& Host::search_path() const { return impl_->search_path; }
const std::vector<const Plugin*>& Host::plugins() const { return impl_->plugins; }
const std::vector<Rejection>& Host::rejections() const { return impl_->rejections; }

const Plugin* Host::find(std::string_view slug) const {
  auto found = impl_->by_slug.find(slug);
  return found == impl_->by_slug.end() ? nullptr : found->second;
}

std::string Host::quarantine_reason(const Plugin& plugin) const {
  try {
    return loaded(plugin).quarantine_reason();
  } catch (...) {
    return {};
  }
}

std::vector<SettingsProblem> Host::validate_settings(const Plugin& plugin, std::string_view settings_json) const {
  try {
    ParsedJson settings = parse_settings_text(settings_json);
    if (!settings.ok()) return {{"", fmt::format("The settings are not valid JSON ({}).", settings.error)}};
    return host::validate_settings(plugin.definition(), settings.value).problems;
  } catch (...) {
    return {{"", "The settings could not be checked: the host failed unexpectedly."}};
  }
}

AuthVerdict Host::test_authentication(const Plugin& plugin, std::string_view settings_json,
                                      const std::string& connection) const {
  try {
    ParsedJson settings = parse_settings_text(settings_json);
    if (!settings.ok()) {
      return {AuthOutcome::invalid_settings,
              fmt::format("Settings are invalid: the settings are not valid JSON ({})", settings.error),
              std::nullopt,
              {}};
    }
    return host::test_authentication(loaded(plugin), settings.value, impl_->requests, connection);
  } catch (...) {
    return {AuthOutcome::plugin_failed,
            fmt::format("The credentials of {} could not be checked: the host failed unexpectedly", plugin.slug()),
            std::nullopt,
            {}};
  }
}

DryRun Host::dry_run_authentication(const Plugin& plugin, std::string_view settings_json,
                                    const std::string& connection) const {
  try {
    ParsedJson settings = parse_settings_text(settings_json);
    if (!settings.ok()) {
      return {{AuthOutcome::invalid_settings,
               fmt::format("Settings are invalid: the settings are not valid JSON ({})", settings.error),
               std::nullopt,
               {}}};
    }
    return host::dry_run_authentication(loaded(plugin), settings.value, impl_->requests, connection);
  } catch (...) {
    return {{AuthOutcome::plugin_failed,
             fmt::format("The dry run of {} failed: the host failed unexpectedly", plugin.slug()),
             std::nullopt,
             {}}};
  }
}

Result<RequestExtension> Host::extend_request(const Plugin& plugin, std::string_view settings_json,
                                             const std::string& connection) const {
  try {
    ParsedJson settings = parse_settings_text(settings_json);
    if (!settings.ok()) {
      return Status::error(Status::Code::invalid_argument,
                           fmt::format("Settings are invalid: the settings are not valid JSON ({})", settings.error));
    }
    auto extended = host::extend_request(loaded(plugin), settings.value, impl_->requests, connection);
    if (auto* verdict = std::get_if<AuthVerdict>(&extended)) {
      std::string message = verdict->message;
      for (const auto& problem : verdict->problems) message += " " + problem.message;
      return Status::error(verdict->outcome == AuthOutcome::invalid_settings ? Status::Code::invalid_argument
                                                                              : Status::Code::failed,
                           message);
    }
    const RequestOptions& o = std::get<RequestOptions>(extended);
    RequestExtension out{o.prefix_url, o.headers, o.username, o.password, o.search_params, o.timeout, std::nullopt,
                         o.throw_http_errors};
    if (o.response_type) out.response_type = *o.response_type == ResponseType::json ? "json" : "text";
    return out;
  } catch (...) {
    return internal_error();
  }
}

Result<OAuthConnection> Host::oauth_login(const Plugin& plugin, const LoginOptions& options) const {
  try {
    if (Status problem = connection_problem(options.connection); !problem.ok()) return problem;
    auto client = impl_->oauth_client(plugin);
    if (!client) return client.status();
    OAuthTokens& tokens = *impl_->requests.oauth;
    TokenResult result = (*client)->grant == OAuthGrant::client_credentials
                             ? tokens.fetch_client_credentials(plugin.slug(), options.connection)
                             : host::oauth_login(plugin.slug(), **client, tokens.store(), tokens.http(), options);
    if (auto* e = std::get_if<OAuthError>(&result)) return oauth_status_of(*e);
    return connection_of(options.connection, &std::get<TokenRecord>(result),
                         tokens.store().path_of(plugin.slug(), options.connection), *client);
  } catch (...) {
    return internal_error();
  }
}

Result<OAuthAuthorization> Host::oauth_begin(const Plugin& plugin, const std::string& connection,
                                             const std::string& redirect_uri) const {
  try {
    if (Status problem = connection_problem(connection); !problem.ok()) return problem;
    if (!usable_redirect_uri(redirect_uri)) {
      return Status::error(Status::Code::invalid_argument,
                           "the redirect URI must be an absolute http or https URL of at most 2048 bytes, with no "
                           "fragment, white space or control character");
    }
    auto client = impl_->oauth_client(plugin);
    if (!client) return client.status();
    if ((*client)->grant != OAuthGrant::authorization_code) {
      return Status::error(Status::Code::invalid_argument,
                           fmt::format("{} uses the client_credentials grant: the host gets its tokens without a sign-in",
                                       plugin.slug()));
    }
    auto now = std::chrono::system_clock::now();
    PendingSignIn sign_in{&plugin, connection, authorization_request(**client, redirect_uri), now + kSignInLifetime};
    OAuthAuthorization out{sign_in.request.url, sign_in.request.state, sign_in.expires_at};
    std::lock_guard lock(impl_->pending_mutex);
    impl_->prune_pending(now);
    impl_->pending.emplace(out.state, std::move(sign_in));
    return out;
  } catch (...) {
    return internal_error();
  }
}

Result<OAuthSignIn> Host::oauth_finish(const std::string& state, const std::string& code, const std::string& error) const {
  try {
    PendingSignIn sign_in;
    {
      std::lock_guard lock(impl_->pending_mutex);
      impl_->prune_pending(std::chrono::system_clock::now());
      auto it = impl_->pending.find(state);
      if (state.empty() || it == impl_->pending.end()) {
        return Status::error(Status::Code::rejected,
                             "this sign-in is unknown, was already used or has expired: start it again");
      }
      sign_in = std::move(it->second);
      impl_->pending.erase(it);  // usable once, whatever comes of it
    }
    auto client = impl_->oauth_client(*sign_in.plugin);
    if (!client) return client.status();
    std::map<std::string, std::string> params{{"code", code}};
    if (!error.empty()) params["error"] = error;
    OAuthTokens& tokens = *impl_->requests.oauth;
    TokenResult result = finish_authorization(sign_in.plugin->slug(), sign_in.connection, **client, tokens.store(),
                                              tokens.http(), sign_in.request, params);
    if (auto* e = std::get_if<OAuthError>(&result)) return oauth_status_of(*e);
    return OAuthSignIn{sign_in.plugin->slug(),
                       connection_of(sign_in.connection, &std::get<TokenRecord>(result),
                                     tokens.store().path_of(sign_in.plugin->slug(), sign_in.connection), *client)};
  } catch (...) {
    return internal_error();
  }
}

Result<OAuthConnection> Host::oauth_status(const Plugin& plugin, const std::string& connection) const {
  try {
    if (Status problem = not_oauth(plugin); !problem.ok()) return problem;
    if (Status problem = connection_problem(connection); !problem.ok()) return problem;
    const TokenStore& store = impl_->requests.oauth->store();
    auto loaded_record = store.load(plugin.slug(), connection);
    if (auto* error = std::get_if<std::string>(&loaded_record)) return Status::error(Status::Code::failed, *error);
    return connection_of(connection, std::get_if<TokenRecord>(&loaded_record), store.path_of(plugin.slug(), connection),
                         impl_->options.config.oauth_client(plugin.slug()));
  } catch (...) {
    return internal_error();
  }
}

Result<bool> Host::oauth_logout(const Plugin& plugin, const std::string& connection) const {
  try {
    if (Status problem = not_oauth(plugin); !problem.ok()) return problem;
    if (Status problem = connection_problem(connection); !problem.ok()) return problem;
    const TokenStore& store = impl_->requests.oauth->store();
    std::error_code ec;
    if (!std::filesystem::exists(store.path_of(plugin.slug(), connection), ec) &&
        !store.has_unsaved(plugin.slug(), connection)) {
      return false;
    }
    // After a refresh under way, which would save its tokens over the sign-out.
    auto lock = store.lock(plugin.slug(), connection, impl_->requests.http.own_request_timeout);
    if (auto* error = std::get_if<TokenStore::LockFailure>(&lock)) {
      return Status::error(error->held_elsewhere ? Status::Code::unavailable : Status::Code::failed, error->message);
    }
    auto removed = store.remove(plugin.slug(), connection);
    if (auto* error = std::get_if<std::string>(&removed)) return Status::error(Status::Code::failed, *error);
    return std::get<bool>(removed);
  } catch (...) {
    return internal_error();
  }
}

RescanReport Host::rescan() {
  RescanReport report;
  try {
    Impl& impl = *impl_;
    std::vector<Rejection> still_rejected;
    for (const auto& directory : impl.search_path) {
      for (const auto& file : impl.plugin_files_of(directory)) {
        auto loaded_stamp = impl.loaded_stamps.find(file);
        if (loaded_stamp != impl.loaded_stamps.end()) {
          if (identity_at(file) != loaded_stamp->second) report.changed.push_back({file, impl.change_of(file)});
          continue;
        }
        std::size_t before = impl.rejections.size();
        // Tried as without the cache: a rescan is how an operator has a rejected file tried again.
        if (const Plugin* added = impl.add(impl.discover(file, nullptr))) report.added.push_back(added);
        if (impl.rejections.size() > before) {
          report.rejected.push_back(impl.rejections.back());
          still_rejected.push_back(impl.rejections.back());
        }
      }
    }
    for (const auto& [path, stamp] : impl.loaded_stamps) {
      std::error_code ec;
      if (!std::filesystem::exists(path, ec)) {
        report.changed.push_back({path, "the file went away; the loaded plugin keeps running"});
      }
    }
    impl.rejections = std::move(still_rejected);
    impl.save_cache();
    for (const auto& plugin : impl.owned) {
      if (plugin->lift_quarantine()) report.released.push_back(plugin.get());
    }
  } catch (...) {
    report.rejected.push_back({"", "the rescan failed unexpectedly"});
  }
  return report;
}

Result<std::unique_ptr<Plugin>> Host::check_plugin_file(const std::filesystem::path& path, const HostOptions& options) {
  try {
    LoadResult result = load_plugin(path, ignoring_exceptions(options.log), options.config);
    if (auto* rejection = std::get_if<Rejection>(&result)) {
      std::error_code ec;
      bool nothing_there = std::filesystem::status(path, ec).type() == std::filesystem::file_type::not_found;
      return Status::error(nothing_there ? Status::Code::not_found : Status::Code::rejected, rejection->reason);
    }
    return std::unique_ptr<Plugin>(std::move(std::get<std::unique_ptr<LoadedPlugin>>(result)));
  } catch (...) {
    return internal_error();
  }
}

}  // namespace destkit::host
