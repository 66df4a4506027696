#include "oauth_commands.hpp"

#include "commands.hpp"
#include "host_setup.hpp"
#include "output.hpp"

#include "util/printable.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cstdlib>
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

extern char** environ;

namespace destkit::cli {
namespace {

namespace json = boost::json;
using Clock = std::chrono::system_clock;

// Opens the URL in the person's browser when there is one to open; never waits for it.
void open_browser(const std::string& url) {
  const char* browser = std::getenv("BROWSER");
  bool display = std::getenv("DISPLAY") != nullptr || std::getenv("WAYLAND_DISPLAY") != nullptr;
  std::string program = browser != nullptr && *browser != '\0' ? browser : display ? "xdg-open" : "";
  if (program.empty()) return;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd : {0, 1, 2}) posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
  char* argv[] = {program.data(), const_cast<char*>(url.c_str()), nullptr};
  pid_t pid = 0;
  posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
}

std::string describe_expiry(const host::TokenRecord& record) {
  if (!record.expires_at) return "no expiry given";
  auto left = std::chrono::duration_cast<std::chrono::seconds>(*record.expires_at - Clock::now());
  std::string when = fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", fmt::gmtime(Clock::to_time_t(*record.expires_at)));
  if (left.count() <= 0) return fmt::format("expired at {}", when);
  return fmt::format("expires at {} (in {} min)", when, (left.count() + 59) / 60);
}

int exit_for(const host::OAuthError& e) {
  switch (e.kind) {
    case host::OAuthError::Kind::unavailable: return kExitUnverified;
    case host::OAuthError::Kind::invalid: return kExitFailure;
    default: return kExitRejected;
  }
}

int login(const Arguments& a, host::Host& host, const host::Plugin& plugin) {
  const std::string& slug = plugin.slug();
  const host::OAuthClientConfig* client = host.oauth().config().oauth_client(slug);
  if (client == nullptr) {
    fmt::print(stderr, "destkit: no OAuth client is configured for {}: add destinations.{}.oauth to the "
                       "configuration (--config FILE or DESTKIT_CONFIG)\n", slug, slug);
    return kExitUsage;
  }
  host::TokenResult result;
  if (client->grant == host::OAuthGrant::client_credentials) {
    result = host.oauth().current(slug, connection_of(a), host.oauth().standard_refresher());
  } else {
    host::LoginOptions options;
    options.connection = connection_of(a);
    options.timeout = std::chrono::seconds(a.wait_seconds);
    options.show_url = [&](const std::string& url) {
      fmt::print("Open this URL in a browser to sign in to {}:\n\n  {}\n\nWaiting up to {} s for the sign-in...\n",
                 host::printable(plugin.definition().name), host::printable(url), a.wait_seconds);
      std::fflush(stdout);
      if (!a.no_browser) open_browser(url);
    };
    result = host::oauth_login(slug, *client, host.oauth().store(), host.oauth().http(), options);
  }
  if (auto* e = std::get_if<host::OAuthError>(&result)) {
    fmt::print(stderr, "destkit: sign-in to {} failed: {}\n", slug, host::printable(e->message));
    return exit_for(*e);
  }
  const auto& record = std::get<host::TokenRecord>(result);
  fmt::print("Signed in to {} (connection {}). The access token {}; scopes: {}.\n",
             host::printable(plugin.definition().name), connection_of(a), describe_expiry(record),
             host::printable(record.scopes.empty() ? "none stated" : fmt::format("{}", fmt::join(record.scopes, " "))));
  return kExitOk;
}

int status(const Arguments& a, const host::Host& host, const std::string& slug) {
  const host::TokenStore& store = host.oauth().store();
  auto loaded = store.load(slug, connection_of(a));
  if (auto* error = std::get_if<std::string>(&loaded)) {
    fmt::print(stderr, "destkit: {}\n", host::printable(*error));
    return kExitFailure;
  }
  const host::TokenRecord* record = std::get_if<host::TokenRecord>(&loaded);
  std::string path = store.path_of(slug, connection_of(a)).string();
  if (a.json) {
    json::object out{{"slug", slug}, {"connection", connection_of(a)}, {"signedIn", record != nullptr}, {"path", path}};
    if (record != nullptr) {
      json::array scopes;
      for (const auto& s : record->scopes) scopes.emplace_back(s);
      out["scopes"] = std::move(scopes);
      out["refreshToken"] = !record->refresh_token.empty();
      out["expired"] = record->expires_within(std::chrono::seconds(0));
      if (record->expires_at) out["expiresAt"] = Clock::to_time_t(*record->expires_at);
    }
    print_json(out);
  } else if (record == nullptr) {
    fmt::print("{} (connection {}): not signed in. Run destkit oauth login {}\n", slug, connection_of(a), slug);
  } else {
    fmt::print("{} (connection {}): signed in.\n  access token: {}\n  refresh token: {}\n  scopes: {}\n  stored in: {}\n",
               slug, connection_of(a), describe_expiry(*record), record->refresh_token.empty() ? "none" : "kept",
               host::printable(record->scopes.empty() ? "none stated"
                                                      : fmt::format("{}", fmt::join(record->scopes, " "))),
               host::printable(path));
  }
  return record != nullptr ? kExitOk : kExitRejected;
}

int logout(const Arguments& a, const host::Host& host, const std::string& slug) {
  bool removed = host.oauth().store().remove(slug, connection_of(a));
  if (removed) {
    fmt::print("Signed out of {} (connection {}): its tokens are deleted.\n", slug, connection_of(a));
  } else {
    fmt::print("Nothing was stored for {} (connection {}).\n", slug, connection_of(a));
  }
  return kExitOk;
}

}  // namespace

int oauth_command(const Arguments& a) {
  if (a.positional.size() != 2) return usage_error("oauth needs an action (login, status, logout) and a SLUG", "oauth");
  const std::string& action = a.positional[0];
  if (action != "login" && action != "status" && action != "logout") {
    return usage_error(fmt::format("unknown oauth action \"{}\"", action), "oauth");
  }
  auto host = open_host(a);
  if (!host) return kExitUsage;
  const host::Plugin* plugin = find_plugin(*host, a.positional[1], a.json);
  if (plugin == nullptr) return kExitFailure;
  if (!plugin->definition().uses_oauth()) {
    fmt::print(stderr, "destkit: {} uses the {} scheme, not OAuth\n", plugin->slug(), host::to_string(plugin->definition().scheme));
    return kExitUsage;
  }
  if (action == "login") return login(a, *host, *plugin);
  if (action == "status") return status(a, *host, plugin->slug());
  return logout(a, *host, plugin->slug());
}

}  // namespace destkit::cli
