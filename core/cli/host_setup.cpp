#include "host_setup.hpp"

#include "output.hpp"
#include "util/printable.hpp"
#include "util/spelling.hpp"

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
    auto loaded = host::load_host_config(file, !a.insecure_plugin_permissions);
    if (!loaded) {
      fmt::print(stderr, "destkit: invalid configuration: {}\n", host::printable(loaded.status().message()));
      return std::nullopt;
    }
    config = std::move(loaded).value();
    for (const auto& warning : config.warnings) fmt::print(stderr, "destkit: warning: {}\n", host::printable(warning));
  }
  if (a.insecure_plugin_permissions) config.plugins.strict_permissions = false;
  if (a.isolation == "process" || a.isolation == "in-process") {
    // The command line decides for every destination, whatever the configuration says.
    config.isolation = a.isolation == "process" ? host::Isolation::process : host::Isolation::in_process;
    for (auto& [slug, destination] : config.destinations) destination.isolation.reset();
  } else if (!a.isolation.empty()) {
    fmt::print(stderr, "destkit: --isolation must be \"process\" or \"in-process\", not \"{}\"\n",
               host::printable(a.isolation));
    return std::nullopt;
  }
  return config;
}

std::optional<host::HostOptions> host_options(const Arguments& a) {
  std::optional<host::HostConfig> config = load_config(a);
  if (!config) return std::nullopt;
  host::HostOptions options;
  options.config = std::move(*config);
  for (const auto& dir : a.plugin_paths) options.plugin_directories.emplace_back(dir);
  options.connect_to = a.connect_to;
  options.ca_file = a.cacert;
  if (a.timeout_ms) options.default_timeout = std::chrono::milliseconds(*a.timeout_ms);
  options.user_agent = fmt::format("destkit/{}", DESTKIT_VERSION);
  options.log = cli_log_sink(a.verbose);
  options.verbose = a.verbose;
  return options;
}

std::filesystem::path default_metadata_cache() {
  std::filesystem::path base;
  if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache != nullptr && *cache == '/') {
    base = cache;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
    base = std::filesystem::path(home) / ".cache";
  } else {
    return {};
  }
  return base / "destkit" / "plugin-metadata.json";
}

std::unique_ptr<host::Host> open_host(const Arguments& a) {
  std::optional<host::HostOptions> options = host_options(a);
  if (!options) return nullptr;
  return std::make_unique<host::Host>(std::move(*options));
}

// Why `slug` is not loaded, in words that lead somewhere: the reason its file was rejected
// (destkit-SLUG.so), a likely misspelling, or what is there instead.
std::string why_not_found(const host::Host& host, std::string_view slug) {
  for (const host::Rejection& rejection : host.rejections()) {
    std::string stem = rejection.path.stem().string();
    if (stem == fmt::format("destkit-{}", slug)) {
      return fmt::format("no plugin with slug \"{}\": its file {} was rejected: {}", slug,
                         rejection.path.string(), rejection.reason);
    }
  }
  std::vector<std::string> slugs;
  for (const host::Plugin* p : host.plugins()) slugs.push_back(p->slug());
  if (auto guess = host::closest_spelling(slug, slugs)) {
    return fmt::format("no plugin with slug \"{}\"; did you mean \"{}\"?", slug, *guess);
  }
  return fmt::format("no plugin with slug \"{}\" (found: {})", slug,
                     slugs.empty() ? "none" : fmt::format("{}", fmt::join(slugs, ", ")));
}

const host::Plugin* find_plugin(const host::Host& host, std::string_view slug, bool as_json) {
  if (const host::Plugin* plugin = host.find(slug)) return plugin;
  std::string message = why_not_found(host, slug);
  if (as_json) {
    print_json(json::object{{"ok", false}, {"error", message}});
  } else {
    fmt::print(stderr, "destkit: {}\n", host::printable(message));
  }
  return nullptr;
}

std::string connection_of(const Arguments& a) { return a.connection.empty() ? "default" : a.connection; }

}  // namespace destkit::cli
