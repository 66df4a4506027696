// plugin/loaded_plugin — a plugin the host loaded: its descriptor (in process, in a runner,
// made by the host for a declarative destination, or loaded at first use from its metadata)
// and what the host asks of it.
#pragma once

#include <destkit/abi.h>
#include <destkit/host/plugin.hpp>
#include "fiber/waits.hpp"

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <variant>

namespace destkit::host {

// A plugin with the hooks the host calls.
class IsolatedPlugin;
class LoadedPlugin;

// What a plugin library says about itself, without its code: what the metadata cache keeps
// (plugin/metadata_cache.hpp).
struct PluginMetadata {
  std::string slug{};
  std::string version{};
  std::string abi_version{};
  bool has_test_request = false;
  bool has_extend_request = false;
  std::string definition_json{};
  bool operator==(const PluginMetadata&) const = default;
};

using LoadResult = std::variant<std::unique_ptr<LoadedPlugin>, Rejection>;

// A load at a listed plugin's first use, and whether its refusal may pass: one made before the
// file's own checks (its permissions, a file not there, no runner to be had), which the next
// use tries again rather than keeping.
struct FirstUse {
  LoadResult result;
  bool refusal_may_pass = false;
};

class LoadedPlugin final : public Plugin {
 public:
  // A library's plugin: its descriptor is copied, zero-filled past what the plugin's struct has.
  LoadedPlugin(std::filesystem::path path, const dk_plugin& descriptor, Definition definition);
  // A plugin whose full-size descriptor the host made (a declarative destination), which
  // `descriptor_owner` keeps as long as the plugin: used in place, so its hooks find what
  // surrounds it through dk_call::hooks.
  LoadedPlugin(std::filesystem::path path, const dk_plugin* host_descriptor, Definition definition,
               std::shared_ptr<const void> descriptor_owner = nullptr);
  // A library whose hooks run in a runner process (isolation/isolated_plugin.hpp).
  LoadedPlugin(std::filesystem::path path, std::unique_ptr<IsolatedPlugin> isolated, Definition definition);
  // A library listed from its metadata whose code is loaded at first use by `load`, which must
  // return a plugin described the same way (else the first use fails, saying so). A refusal
  // that may pass is not kept: the next use loads again.
  LoadedPlugin(std::filesystem::path path, Definition definition, PluginMetadata metadata,
               std::function<FirstUse()> load);
  ~LoadedPlugin() override;

  // The descriptor hooks are called through; for a plugin listed from its metadata, its code is
  // loaded now, once it loads. Null when it cannot be loaded: `problem` says why.
  const dk_plugin* descriptor(std::string& problem) const;
  // What the plugin says about itself.
  PluginMetadata metadata() const;
  // Why the host stopped running the plugin's code: empty unless it runs in a runner that was
  // quarantined, or it was listed from its metadata and its code was refused at first use.
  std::string quarantine_reason() const;
  // IsolatedPlugin::lift_quarantine, or forgets a refusal at first use so that the next use
  // loads again; false when there was nothing to lift.
  bool lift_quarantine() const;
  // False for a plugin listed from its metadata whose code has not been loaded yet.
  bool code_loaded() const;
  // False for a declarative destination, whose hooks are the host's own code.
  bool runs_partner_code() const;

 private:
  // The plugin loaded at first use, when listed from its metadata.
  struct Deferred {
    PluginMetadata metadata;
    std::function<FirstUse()> load;
    fiber::Mutex mutex{};  // one load at a time (which may wait for a runner); guards `loaded`
    std::unique_ptr<LoadedPlugin> loaded{};
    std::atomic<const LoadedPlugin*> code{nullptr};  // `loaded`, once set, for readers outside the lock
    // Why the last load failed. Its own lock, so listing never waits for a load in progress.
    mutable std::mutex problem_mutex{};
    std::string problem{};
    bool refused_for_good = false;         // until lift_quarantine
    std::string refusal_for_good() const;  // the reason, when the refusal is kept
  };
  const LoadedPlugin* code(std::string& problem) const;

  std::unique_ptr<IsolatedPlugin> isolated_;
  std::unique_ptr<Deferred> deferred_;
  dk_plugin copy_{};
  const dk_plugin* descriptor_ = nullptr;
  std::shared_ptr<const void> descriptor_owner_{};
};

// What the host calls hooks on: every Plugin the host hands out is a LoadedPlugin.
inline const LoadedPlugin& loaded(const Plugin& plugin) { return static_cast<const LoadedPlugin&>(plugin); }

}  // namespace destkit::host
