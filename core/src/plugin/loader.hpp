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
#include <string>
#include <memory>
#include <variant>

namespace destkit::host {

// A plugin with the hooks the host calls.
class IsolatedPlugin;

class LoadedPlugin final : public Plugin {
 public:
  // A library's plugin: its descriptor is copied, zero-filled past what the plugin's struct has.
  LoadedPlugin(std::filesystem::path path, const dk_plugin& descriptor, Definition definition);
  // A plugin whose full-size descriptor the host made and keeps for the process (a declarative
  // destination): used in place, so its hooks find what surrounds it through dk_call::hooks.
  LoadedPlugin(std::filesystem::path path, const dk_plugin* host_descriptor, Definition definition);
  // A library whose hooks run in a runner process (isolation/isolated_plugin.hpp).
  LoadedPlugin(std::filesystem::path path, std::unique_ptr<IsolatedPlugin> isolated, Definition definition);
  ~LoadedPlugin() override;

  // The descriptor hooks are called through.
  const dk_plugin& descriptor() const { return *descriptor_; }
  // Why the host stopped running the plugin's code: empty unless it runs in a runner that was
  // quarantined.
  std::string quarantine_reason() const;
  // IsolatedPlugin::lift_quarantine; false for a plugin that runs in the host.
  bool lift_quarantine() const;

 private:
  std::unique_ptr<IsolatedPlugin> isolated_;
  dk_plugin copy_{};
  const dk_plugin* descriptor_;
};

// What the host calls hooks on: every Plugin the host hands out is a LoadedPlugin.
inline const LoadedPlugin& loaded(const Plugin& plugin) { return static_cast<const LoadedPlugin&>(plugin); }

using LoadResult = std::variant<std::unique_ptr<LoadedPlugin>, Rejection>;

// Loads one file: a library, or a declarative destination (destkit-NAME.json). Never throws
// and never crashes on a file that is not a plugin.
LoadResult load_plugin(const std::filesystem::path& path, const LogSink& log, const PluginTrust& trust = {});
// As above, with the trust rules of `config` and its isolation: with "process" the entry point
// runs in a runner (a plugin that crashes while loading is rejected with the signal), and a
// destination's own setting decides where its hooks run.
LoadResult load_plugin(const std::filesystem::path& path, const LogSink& log, const HostConfig& config);

// A plugin file that is read rather than loaded (a declarative destination), after the checks
// every plugin file passes before any of its bytes is used: a non-empty regular file, its
// permissions, and its SHA-256 pin and signature, checked on the bytes returned. Files larger
// than max_bytes are refused unread.
struct TrustedFile {
  std::string bytes{};
  std::string problem{};  // empty when the file may be used
};
TrustedFile read_trusted_file(const std::filesystem::path& path, const PluginTrust& trust, std::size_t max_bytes);

}  // namespace destkit::host
