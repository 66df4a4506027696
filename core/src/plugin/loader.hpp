// plugin/loader — turns a file into a loaded plugin, or a rejection that says why.
//
// Loading checks, in order: the file is a regular ELF shared library that may be trusted
// (plugin/trust.hpp), it exports the entry symbol, it loads (rtld_now | rtld_local), its
// descriptor has the right magic, ABI major and a host minor we provide, and its definition
// is valid. A library once loaded stays loaded until the process exits.
#pragma once

#include <destkit/abi.h>
#include <destkit/host/config.hpp>
#include <destkit/host/log.hpp>
#include <destkit/host/plugin.hpp>

#include <filesystem>
#include <memory>
#include <variant>

namespace destkit::host {

// A plugin with the hooks the host calls.
class LoadedPlugin final : public Plugin {
 public:
  LoadedPlugin(std::filesystem::path path, const dk_plugin& descriptor, Definition definition);

  // The descriptor as the host sees it: zero-filled past what the plugin's struct has.
  const dk_plugin& descriptor() const { return descriptor_; }

 private:
  dk_plugin descriptor_;
};

// What the host calls hooks on: every Plugin the host hands out is a LoadedPlugin.
inline const LoadedPlugin& loaded(const Plugin& plugin) { return static_cast<const LoadedPlugin&>(plugin); }

using LoadResult = std::variant<std::unique_ptr<LoadedPlugin>, Rejection>;

// Loads one file. Never throws and never crashes on a file that is not a plugin.
LoadResult load_plugin(const std::filesystem::path& path, const LogSink& log, const PluginTrust& trust = {});

}  // namespace destkit::host
