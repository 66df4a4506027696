#include "oauth_commands.hpp"

#include "commands.hpp"
#include "host_setup.hpp"
#include "output.hpp"
#include "standard_output.hpp"

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

std::string describe_expiry(const host::OAuthConnection& c) {
  if (!c.expires_at) return "no expiry given";
  auto left = std::chrono::duration_cast<std::chrono::seconds>(*c.expires_at - Clock::now());
  std::string when = fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", fmt::gmtime(Clock::to_time_t(*c.expires_at)));
  if (left.count() <= 0) return fmt::format("expired at {}", when);
  return fmt::format("expires at {} (in {} min)", when, (left.count() + 59) / 60);
}

std::string describe_scopes(const host::OAuthConnection& c) {
  return c.scopes.empty() ? "none stated" : host::printable(fmt::format("{}", fmt::join(c.scopes, " ")));
}

int exit_for(const host::Status& status) {
  switch (status.code()) {
    case host::Status::Code::unavailable: return kExitUnverified;
    case host::Status::Code::rejected: return kExitRejected;
    case host::Status::Code::invalid_argument: return kExitUsage;
    default: return kExitFailure;
  }
}

int login(const Arguments& a, const host::Host& host, const host::Plugin& plugin) {
  host::LoginOptions options;
  options.connection = connection_of(a);
  options.timeout = std::chrono::seconds(a.wait_seconds);
  options.show_url = [&](const std::string& url) {
    fmt::print(cli_output(), "Open this URL in a browser to sign in to {}:\n\n  {}\n\nWaiting up to {} s for the sign-in...\n",
               host::printable(plugin.definition().name), host::printable(url), a.wait_seconds);
    std::fflush(cli_output());
    if (!a.no_browser) open_browser(url);
  };
  auto result = host.oauth_login(plugin, options);
  if (!result) {
    fmt::print(stderr, "destkit: sign-in to {} failed: {}\n", plugin.slug(), host::printable(result.status().message()));
    return exit_for(result.status());
  }
  fmt::print(cli_output(), "Signed in to {} (connection {}). Access token: {}; scopes: {}.\n",
             host::printable(plugin.definition().name), result->connection, describe_expiry(*result),
             describe_scopes(*result));
  return kExitOk;
}

int status(const Arguments& a, const host::Host& host, const host::Plugin& plugin) {
  const std::string& slug = plugin.slug();
  auto result = host.oauth_status(plugin, connection_of(a));
  if (!result) {
    const host::Status& why = result.status();
    // A usage error (a connection name no store could hold) prints nothing to standard output.
    if (a.json && why.code() != host::Status::Code::invalid_argument) {
      print_json(json::object{{"ok", false}, {"error", why.message()}});
    } else {
      fmt::print(stderr, "destkit: {}\n", host::printable(why.message()));
    }
    return exit_for(why);
  }
  const host::OAuthConnection& c = *result;
  if (a.json) {
    json::object out{{"slug", slug}, {"connection", c.connection}, {"signedIn", c.signed_in}, {"path", c.stored_in.string()}};
    if (c.signed_in) {
      json::array scopes;
      for (const auto& s : c.scopes) scopes.emplace_back(s);
      out["scopes"] = std::move(scopes);
      out["refreshToken"] = c.has_refresh_token;
      out["expired"] = c.expired;
      if (c.expires_at) out["expiresAt"] = Clock::to_time_t(*c.expires_at);
    }
    print_json(out);
  } else if (!c.signed_in) {
    fmt::print(cli_output(), "{} (connection {}): not signed in. Run destkit oauth login {}\n", slug, c.connection, slug);
  } else {
    fmt::print(cli_output(), "{} (connection {}): signed in.\n  access token: {}\n  refresh token: {}\n  scopes: {}\n  stored in: {}\n",
               slug, c.connection, describe_expiry(c), c.has_refresh_token ? "kept" : "none", describe_scopes(c),
               host::printable(c.stored_in.string()));
  }
  return c.signed_in ? kExitOk : kExitRejected;
}

int logout(const Arguments& a, const host::Host& host, const host::Plugin& plugin) {
  auto removed = host.oauth_logout(plugin, connection_of(a));
  if (!removed) {
    fmt::print(stderr, "destkit: {}\n", host::printable(removed.status().message()));
    return exit_for(removed.status());
  }
  if (removed.value()) {
    fmt::print(cli_output(), "Signed out of {} (connection {}): its tokens are deleted.\n", plugin.slug(), connection_of(a));
  } else {
    fmt::print(cli_output(), "Nothing was stored for {} (connection {}).\n", plugin.slug(), connection_of(a));
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
    std::string message =
        fmt::format("{} uses the {} scheme, not OAuth", plugin->slug(), host::to_string(plugin->definition().scheme));
    if (a.json) {
      print_json(json::object{{"ok", false}, {"error", message}});  // as for an unknown slug
    } else {
      fmt::print(stderr, "destkit: {}\n", message);
    }
    return kExitUsage;
  }
  if (action == "login") return login(a, *host, *plugin);
  if (action == "status") return status(a, *host, *plugin);
  return logout(a, *host, *plugin);
}

}  // namespace destkit::cli
