// destkit/host/host.hpp — the host as a library: discover and load plugins, find them by
// slug, test credentials. The `destkit` CLI is a thin layer over this; a C++ service can embed
// it the same way.
#pragma once

#include "auth/credential_test.hpp"
#include "plugin/discovery.hpp"
#include "config/host_config.hpp"
#include <destkit/host/plugin.hpp>

#include <memory>
#include <string_view>
#include <vector>

namespace destkit::host {

struct HostOptions {
  SearchPathOptions search{};
  RequestEnvironment requests{};
  HostConfig config{};                // OAuth clients per destination
  std::filesystem::path token_directory{};  // empty: TokenStore::default_directory()
};

class Host {
 public:
  // Discovers and loads every plugin on the search path. Files that are not usable plugins
  // are listed in rejections(); they never stop the others from loading.
  explicit Host(HostOptions options);

  const std::vector<std::filesystem::path>& search_path() const { return search_path_; }
  const std::vector<std::unique_ptr<Plugin>>& plugins() const { return plugins_; }
  const std::vector<Rejection>& rejections() const { return rejections_; }
  const Plugin* find(std::string_view slug) const;

  // Thread-safe: may be called concurrently. Never throws: a failure of the host itself is
  // the verdict plugin_failed.
  AuthVerdict test_authentication(const Plugin& plugin, const boost::json::value& settings,
                                  const std::string& connection = "default") const;

  OAuthTokens& oauth() const { return *options_.requests.oauth; }

 private:
  void add(LoadResult result);

  HostOptions options_;
  std::vector<std::filesystem::path> search_path_{};
  std::vector<std::unique_ptr<Plugin>> plugins_{};
  std::vector<Rejection> rejections_{};
};

}  // namespace destkit::host
