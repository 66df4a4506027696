#include <destkit/host/host.hpp>

#include <fmt/format.h>

namespace destkit::host {

Host::Host(HostOptions options) : options_(std::move(options)) {
  if (!options_.requests.oauth) {
    std::filesystem::path tokens =
        options_.token_directory.empty() ? TokenStore::default_directory() : options_.token_directory;
    options_.requests.oauth =
        std::make_shared<OAuthTokens>(options_.config, TokenStore(tokens), options_.requests.http);
  }
  search_path_ = plugin_search_path(options_.search);
  for (const auto& directory : search_path_) {
    for (const auto& file : plugin_files_in(directory)) {
      add(load_plugin(file, options_.requests.log, options_.config.plugins));
    }
  }
}

void Host::add(LoadResult result) {
  if (auto* rejection = std::get_if<Rejection>(&result)) {
    rejections_.push_back(std::move(*rejection));
    return;
  }
  auto& plugin = std::get<std::unique_ptr<Plugin>>(result);
  if (const Plugin* first = find(plugin->slug())) {
    rejections_.push_back({plugin->path(), fmt::format("its slug \"{}\" is already taken by {}",
                                                       plugin->slug(), first->path().string())});
    return;
  }
  plugins_.push_back(std::move(plugin));
}

const Plugin* Host::find(std::string_view slug) const {
  for (const auto& plugin : plugins_) {
    if (plugin->slug() == slug) return plugin.get();
  }
  return nullptr;
}

// Embedders get a verdict, never an exception: whatever escapes (a bug, or memory running
// out) becomes plugin_failed. The exception's text is left out: it could quote a secret.
AuthVerdict Host::test_authentication(const Plugin& plugin, const boost::json::value& settings,
                                      const std::string& connection) const {
  try {
    return destkit::host::test_authentication(plugin, settings, options_.requests, connection);
  } catch (...) {
    return {AuthOutcome::plugin_failed,
            fmt::format("The credentials of {} could not be checked: the host failed unexpectedly", plugin.slug()),
            std::nullopt, {}};
  }
}

}  // namespace destkit::host
