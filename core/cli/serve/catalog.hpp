// catalog — the destinations the service serves: the Host, and a copy of its plugin list
// that request threads read while a rescan (SIGHUP) changes the Host's own.
#pragma once

#include <destkit/host/host.hpp>

#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace destkit::cli::serve {

struct PluginList {
  std::vector<const host::Plugin*> plugins;
  std::vector<host::Rejection> rejected;
  const host::Plugin* find(std::string_view slug) const;
};

class Catalog {
 public:
  explicit Catalog(std::unique_ptr<host::Host> host);

  const host::Host& host() const { return *host_; }
  // The list as of the last (re)scan; stays valid while the caller holds it.
  std::shared_ptr<const PluginList> list() const;
  // Host::rescan, one at a time, then publishes the new list.
  host::RescanReport rescan();

 private:
  void publish();

  std::unique_ptr<host::Host> host_;
  std::mutex rescan_mutex_;
  std::shared_ptr<const PluginList> list_;  // read and replaced with std::atomic_load/store
};

}  // namespace destkit::cli::serve
