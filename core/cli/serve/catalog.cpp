#include "catalog.hpp"

#include <atomic>

namespace destkit::cli::serve {

const host::Plugin* PluginList::find(std::string_view slug) const {
  for (const host::Plugin* plugin : plugins) {
    if (plugin->slug() == slug) return plugin;
  }
  return nullptr;
}

Catalog::Catalog(std::unique_ptr<host::Host> host) : host_(std::move(host)) { publish(); }

std::shared_ptr<const PluginList> Catalog::list() const { return std::atomic_load(&list_); }

host::RescanReport Catalog::rescan() {
  std::lock_guard lock(rescan_mutex_);
  host::RescanReport report = host_->rescan();
  publish();
  return report;
}

void Catalog::publish() {
  auto list = std::make_shared<PluginList>();
  list->plugins = host_->plugins();
  list->rejected = host_->rejections();
  std::atomic_store(&list_, std::shared_ptr<const PluginList>(std::move(list)));
}

}  // namespace destkit::cli::serve
