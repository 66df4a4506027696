#include "serve/serve_command.hpp"

#include "commands.hpp"
#include "host_setup.hpp"
#include "plugin/loaded_plugin.hpp"
#include "serve/access.hpp"
#include "serve/api.hpp"
#include "serve/catalog.hpp"
#include "serve/event_log.hpp"
#include "serve/fiber_lanes.hpp"
#include "serve/http_server.hpp"
#include "serve/lanes.hpp"
#include "serve/metrics.hpp"
#include "standard_output.hpp"
#include "util/printable.hpp"

#include <fmt/format.h>
#include <boost/system/system_error.hpp>

#include <sys/resource.h>

#include <atomic>
#include <csignal>

#include <algorithm>
#include <cstdlib>
#include <system_error>
#include <thread>

namespace destkit::cli {

const std::string_view kServeHelp = R"(Usage: destkit serve [--listen ADDRESS:PORT] [--token-file FILE] [OPTIONS]

Loads and checks every plugin once, then serves the HTTP API that a UI (and the tester
page at /) uses: list destinations, describe one, validate settings, test credentials, and
connect OAuth destinations. Prints "listening on http://ADDRESS:PORT" on standard output
when ready; logs JSON lines (access and events, every secret redacted) on standard error.

  GET  /v1/destinations                       destinations loaded and files rejected
  GET  /v1/destinations/SLUG                  the definition, as describe --json prints it
  POST /v1/destinations/SLUG/validate         {"settings": {...}} -> {"ok", "fields"}
  POST /v1/destinations/SLUG/test             {"settings": {...}, "connection"?} -> the verdict
  POST /v1/destinations/SLUG/oauth/start      {"connection"?} -> {"authorizeUrl"}
  GET  /v1/oauth/callback                     where the provider sends the browser back
  GET|DELETE /v1/destinations/SLUG/oauth      connection status (never a token); sign out
  GET  /healthz, /readyz, /metrics            liveness, readiness, Prometheus metrics

Options:
  --listen ADDRESS:PORT   Where to listen (default 127.0.0.1:8642; port 0: any free port).
                          An address other than loopback needs --token-file.
  --token-file FILE       Require "Authorization: Bearer TOKEN" (TOKEN: the file's one word
                          of printable ASCII, at least 16 characters) on /v1/ and /metrics;
                          the OAuth callback, /healthz, /readyz and the page do not need it.
                          A file another user could write is refused
  --workers N             Threads that run plugin calls in the service (default 64, 4 to
                          1024); one destination uses at most a quarter of them at once,
                          and four times that many of its tests may wait (503 beyond). With
                          plugin code in runners (the default), a destination whose code
                          runs there holds no thread while its tests wait: it runs
                          runnersPerPlugin of them at once (default 16), and four times
                          that many may wait
  --max-connections N     Client connections held open at once (default 1024). At the
                          limit, when another client waits, the one that has waited longest
                          for a request is closed; while all have requests in flight,
                          further clients wait in the listen queue. Lowered to fit the
                          process's descriptor limit, which serve raises to its hard limit
  --isolation process|in-process
                          Where plugin libraries run (default: process, a runner each;
                          overrides the configuration's "isolation")
  --plugin-path, --config, --connect-to, --cacert, --timeout-ms, --insecure-plugin-permissions
                          As for test-auth
  -v, --verbose           Also log each request the plugins make (credentials redacted)

Request bodies are limited to 1 MiB (413), framed by Content-Length or by
Transfer-Encoding: chunked alone (a coding before chunked: 501; none ending in chunked: 400),
and a POST must say Content-Type: application/json, even when empty (415). Without --token-file, requests must be addressed
to 127.0.0.1, localhost or [::1] in their Host header (421 otherwise).

A plugin that crashes during a test answers 200 with the verdict, outcome "plugin_failed"
and "error" such as "Plugin `slug` crashed (SIGSEGV) during testRequest"; the next call
starts a new runner. One whose runner ended crashesBeforeQuarantine times within
crashWindowSeconds (configuration "runner") is quarantined: its tests fail at once and
/v1/destinations lists it with "quarantined": the reason. SIGHUP looks for new plugin files
(nothing is unloaded; changed files are reported) and lifts every quarantine. SIGTERM or
SIGINT stops accepting connections, answers the requests in flight (up to 30 seconds) and
exits 0; exit 3 if some were still running at that deadline.
)";

namespace {

constexpr std::chrono::seconds kDrainDeadline{30};

// Descriptors kept for everything but client connections: the plugins' HTTP connections (a
// few per worker), the log, the plugin files, the token store.
std::size_t reserved_descriptors(std::size_t workers) { return 64 + 4 * workers; }

// The number of client connections serve may hold: what was asked, within the descriptor
// limit, which is first raised to its hard limit (a service holds many connections at once).
std::size_t connection_limit(std::size_t asked, std::size_t workers) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return asked;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised{limit.rlim_max, limit.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return asked;
  std::size_t reserve = reserved_descriptors(workers);
  std::size_t room = limit.rlim_cur > reserve + 16 ? limit.rlim_cur - reserve : 16;
  return std::min(asked, room);
}

// SIGHUP while the plugins are first discovered, before the service handles signals: its
// default action would end the service. It is noted instead, and answered once the service
// runs, by the rescan it asks for.
std::atomic<bool> hangup_during_startup{false};

void note_hangup(int) { hangup_during_startup = true; }

void note_hangups_until_running() {
  struct sigaction noted {};
  noted.sa_handler = note_hangup;
  sigemptyset(&noted.sa_mask);
  ::sigaction(SIGHUP, &noted, nullptr);
}

void log_rejections(serve::EventLog& log, const std::vector<host::Rejection>& rejected) {
  for (const auto& r : rejected) {
    log.event("warn", "destkit", "plugin rejected", {{"path", r.path.string()}, {"reason", r.reason}});
  }
}

void log_loaded(serve::EventLog& log, const host::Plugin& plugin) {
  log.event("info", "destkit", "plugin loaded",
            {{"slug", plugin.slug()}, {"version", plugin.version()}, {"path", plugin.path().string()}});
}

}  // namespace

int serve_command(const Arguments& a) {
  if (!a.positional.empty()) return usage_error("serve takes no arguments", "serve");
  auto listen = serve::parse_listen_address(a.listen);
  if (auto* error = std::get_if<std::string>(&listen)) return usage_error(*error, "serve");
  const serve::ListenAddress& address = std::get<serve::ListenAddress>(listen);
  std::optional<serve::BearerToken> token;
  if (!a.token_file.empty()) {
    auto loaded = serve::BearerToken::load(a.token_file, !a.insecure_plugin_permissions);
    if (auto* error = std::get_if<std::string>(&loaded)) return usage_error(*error, "serve");
    token = std::get<serve::BearerToken>(std::move(loaded));
  }
  if (!address.loopback && !token) {
    return usage_error(fmt::format("refusing to listen on {}: it is not a loopback address, so anyone who can reach "
                                   "it could test credentials and connect accounts; give --token-file FILE to "
                                   "require a bearer token, or listen on 127.0.0.1",
                                   a.listen),
                       "serve");
  }

  note_hangups_until_running();
  serve::EventLog log(a.verbose);
  if (token && !token->warning().empty()) log.event("warn", "destkit", token->warning());
  serve::Metrics metrics;
  std::optional<host::HostOptions> options = host_options(a);
  if (!options) return kExitUsage;
  // A long-running service outlives any one plugin's crash: plugin code runs in runners unless
  // the configuration or --isolation says otherwise.
  if (!options->config.isolation) options->config.isolation = host::Isolation::process;
  // It also starts often (each deployment, each restart): what discovery learned is kept.
  if (!options->config.metadata_cache) options->config.metadata_cache = default_metadata_cache();
  options->log = log.host_sink();
  options->verbose = true;  // each test's requests and responses, redacted, for its "log"
  options->on_token_refresh = [&metrics](const host::TokenRefresh& refresh) {
    metrics.token_refresh(refresh.slug, refresh.refreshed ? "refreshed" : "failed");
  };
  // Partner code never runs on a fiber: only a destination whose code loads and runs in runners
  // has its calls there (fiber_lanes.hpp), and then only when the host isolates all plugins, so
  // that loading its code at first use starts a runner too.
  auto on_fibers = [config = options->config](const host::Plugin& plugin) {
    return config.isolation == host::Isolation::process &&
           config.isolation_of(plugin.slug()) == host::Isolation::process && host::loaded(plugin).runs_partner_code();
  };
  auto runners_per_plugin = static_cast<std::size_t>(std::max(options->config.runner.runners_per_plugin, 1));
  serve::ServiceState state;
  serve::Catalog catalog(std::make_unique<host::Host>(std::move(*options)));
  {
    auto list = catalog.list();
    for (const host::Plugin* plugin : list->plugins) log_loaded(log, *plugin);
    log_rejections(log, list->rejected);
    metrics.plugins_loaded(list->plugins.size());
    metrics.plugins_rejected(list->rejected.size());
  }

  std::size_t workers = static_cast<std::size_t>(a.workers);
  serve::Lanes lanes(workers, workers / 4);
  serve::FiberLanes fiber_lanes(std::max(1u, std::thread::hardware_concurrency()), runners_per_plugin);
  serve::Api api(catalog, lanes, fiber_lanes, on_fibers, metrics, log, state, std::move(token));
  std::size_t max_connections = connection_limit(static_cast<std::size_t>(a.max_connections), workers);
  std::optional<serve::HttpServer> server;
  try {
    server.emplace(api, metrics, log, state, address, max_connections);
  } catch (const std::system_error& e) {
    fmt::print(stderr, "destkit: cannot listen on {}: {}\n", host::printable(a.listen), e.code().message());
    return kExitFailure;
  } catch (const boost::system::system_error& e) {  // Asio's: bind, listen
    fmt::print(stderr, "destkit: cannot listen on {}: {}\n", host::printable(a.listen), e.code().message());
    return kExitFailure;
  }
  std::string host_part = address.host.find(':') != std::string::npos ? "[" + address.host + "]" : address.host;
  std::string origin = fmt::format("http://{}:{}", host_part, server->port());
  api.set_origin(origin, address.host == "0.0.0.0" || address.host == "::");

  auto rescan = [&] {
    lanes.post(
        "plugin rescan", {.run = [&] {
          log.event("info", "destkit", "SIGHUP: rescanning the plugin path");
          host::RescanReport report = catalog.rescan();
          for (const host::Plugin* plugin : report.added) log_loaded(log, *plugin);
          log_rejections(log, report.rejected);
          for (const host::Plugin* plugin : report.released) {
            log.event("info", plugin->slug(), "quarantine lifted: its next call starts a runner again");
          }
          for (const auto& c : report.changed) {
            log.event("warn", "destkit", "plugin file changed", {{"path", c.path.string()}, {"reason", c.reason}});
          }
          metrics.plugins_loaded(catalog.list()->plugins.size());
          metrics.plugins_rejected(report.rejected.size());
        }});
  };
  auto ready = [&] {
    state.ready = true;
    log.event("info", "destkit", "listening", {{"url", origin}, {"workers", workers}, {"maxConnections", max_connections}});
    fmt::print(cli_output(), "listening on {}\n", origin);
    std::fflush(cli_output());
    if (hangup_during_startup) rescan();
  };
  bool drained = server->run(ready, rescan, kDrainDeadline);
  if (!drained) {
    log.event("error", "destkit", "requests were still running at the shutdown deadline");
    std::fflush(cli_output());
    std::_Exit(kExitFailure);  // the workers are inside plugin calls that cannot be interrupted
  }
  // A worker that posted the last reply may still be inside that post, and it owns the reply's
  // connection until its job is destroyed: both must end before the server does.
  lanes.stop();
  fiber_lanes.stop();
  log.event("info", "destkit", "stopped");
  return kExitOk;
}

}  // namespace destkit::cli
