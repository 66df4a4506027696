// destkit/host/plugin.hpp — one destination plugin loaded into the host.
//
// Loading checks, in order: the file is a regular ELF shared library that may be trusted
// (plugin_trust.hpp), it exports the entry symbol, it loads (rtld_now | rtld_local), its
// descriptor has the right magic, ABI major and a host minor we provide, and its definition
// is valid. A library once loaded stays loaded
// until the process exits.
#pragma once

#include <destkit/abi.h>
#include <destkit/host/definition.hpp>
#include <destkit/host/log.hpp>
#include "plugin/trust.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <variant>

namespace destkit::host {

class Plugin {
 public:
  Plugin(std::filesystem::path path, const dk_plugin& descriptor, Definition definition);

  const std::filesystem::path& path() const { return path_; }
  const Definition& definition() const { return definition_; }
  const std::string& slug() const { return definition_.slug; }
  const std::string& version() const { return version_; }
  // The descriptor as the host sees it: zero-filled past what the plugin's struct has.
  const dk_plugin& descriptor() const { return descriptor_; }
  std::string abi_version() const;

 private:
  std::filesystem::path path_{};
  dk_plugin descriptor_;
  Definition definition_;
  std::string version_{};
};

// A file that is not (or not a usable) plugin, and why.
struct Rejection {
  std::filesystem::path path{};
  std::string reason{};
};

using LoadResult = std::variant<std::unique_ptr<Plugin>, Rejection>;

// Loads one file. Never throws and never crashes on a file that is not a plugin.
LoadResult load_plugin(const std::filesystem::path& path, const LogSink& log, const PluginTrust& trust = {});

}  // namespace destkit::host
