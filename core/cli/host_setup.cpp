#include "host_setup.hpp"

#include "output.hpp"
#include "util/printable.hpp"

#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <cstdlib>

namespace destkit::cli {

namespace json = boost::json;

host::LogSink cli_log_sink(bool verbose) {
  return [verbose](host::LogLevel level, std::string_view source, std::string_view message) {
    static constexpr std::string_view names[] = {"debug", "info", "warn", "error"};
    if (level == host::LogLevel::debug && !verbose) return;
    fmt::print(stderr, "[{}] {}: {}\n", host::printable(source), names[static_cast<int>(level)],
               host::printable(message));
  };
}

std::optional<host::HostConfig> load_config(const Arguments& a) {
  host::HostConfig config;
  std::string file = a.config;
  if (file.empty()) {
    if (const char* env = std::getenv("DESTKIT_CONFIG")) file = env;
  }
  if (!file.empty()) {
    auto loaded = host::load_host_config(file);
    if (auto* error = std::get_if<std::string>(&loaded)) {
      fmt::print(stderr, "destkit: invalid configuration: {}\n", host::printable(*error));
      return std::nullopt;
    }
    config = std::get<host::HostConfig>(std::move(loaded));
  }
  if (a.insecure_plugin_permissions) config.plugins.strict_permissions = false;
  return config;
}

std::unique_ptr<host::Host> open_host(const Arguments& a) {
  std::optional<host::HostConfig> config = load_config(a);
  if (!config) return nullptr;
  host::HostOptions options;
  options.config = std::move(*config);
  for (const auto& dir : a.plugin_paths) options.search.explicit_directories.emplace_back(dir);
  options.requests.http.connect_to = a.connect_to;
  options.requests.http.ca_file = a.cacert;
  if (a.timeout_ms) options.requests.default_timeout = std::chrono::milliseconds(*a.timeout_ms);
  options.requests.user_agent = fmt::format("destkit/{}", DESTKIT_VERSION);
  options.requests.log = cli_log_sink(a.verbose);
  options.requests.verbose = a.verbose;
  return std::make_unique<host::Host>(std::move(options));
}

const host::Plugin* find_plugin(const host::Host& host, std::string_view slug, bool as_json) {
  if (const host::Plugin* plugin = host.find(slug)) return plugin;
  std::vector<std::string> slugs;
  for (const auto& p : host.plugins()) slugs.push_back(p->slug());
  std::string message = fmt::format("no plugin with slug \"{}\" (found: {})", slug,
                                    slugs.empty() ? "none" : fmt::format("{}", fmt::join(slugs, ", ")));
  if (as_json) {
    print_json(json::object{{"ok", false}, {"error", message}});
  } else {
    fmt::print(stderr, "destkit: {}\n", host::printable(message));
  }
  return nullptr;
}

std::string connection_of(const Arguments& a) { return a.connection.empty() ? "default" : a.connection; }

}  // namespace destkit::cli
