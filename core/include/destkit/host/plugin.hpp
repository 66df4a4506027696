// destkit/host/plugin.hpp — a destination plugin the host loaded, as an embedder sees it.
//
// The host owns every Plugin; a pointer to one stays valid for the life of the Host. A
// library, once loaded, is never unloaded while the process runs.
#pragma once

#include <destkit/host/definition.hpp>
#include <destkit/host/export.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace destkit::host {

class DESTKIT_HOST_API Plugin {
 public:
  virtual ~Plugin();
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const Definition& definition() const { return definition_; }
  const std::string& slug() const { return definition_.slug; }
  const std::string& version() const { return definition_.version; }
  const std::string& abi_version() const { return abi_version_; }  // "1.1": what it was built with
  bool has_test_request() const { return has_test_request_; }
  bool has_extend_request() const { return has_extend_request_; }

 protected:
  Plugin(std::filesystem::path path, Definition definition, std::string abi_version, bool has_test_request,
         bool has_extend_request);

 private:
  std::filesystem::path path_;
  Definition definition_;
  std::string abi_version_;
  bool has_test_request_;
  bool has_extend_request_;
};

// A file that is not (or not a usable) plugin, and why.
struct Rejection {
  std::filesystem::path path{};
  std::string reason{};
};

// What Host::rescan found.
struct RescanReport {
  std::vector<const Plugin*> added{};
  std::vector<Rejection> rejected{};  // files tried again or for the first time, and why not
  // Loaded files that changed or went away since they were loaded: the plugin loaded from
  // them keeps running as it was. `reason` says what changed.
  std::vector<Rejection> changed{};
  // Quarantined plugins whose next call starts a runner again (Host::quarantine_reason).
  std::vector<const Plugin*> released{};
};

}  // namespace destkit::host
