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

#include "plugin/file_identity.hpp"

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
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
    std::mutex mutex{};  // one load at a time; guards `loaded`
    std::unique_ptr<LoadedPlugin> loaded{};
    std::atomic<const LoadedPlugin*> code{nullptr};  // `loaded`, once set, for readers outside the lock
    // Why the last load failed. Its own lock, so listing never waits for a load in progress.
    mutable std::mutex problem_mutex{};
    std::string problem{};
    bool refused_for_good = false;  // until lift_quarantine
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

// Loads one file: a library, or a declarative destination (destkit-NAME.json). Never throws
// and never crashes on a file that is not a plugin.
LoadResult load_plugin(const std::filesystem::path& path, const LogSink& log, const PluginTrust& trust = {});
// As above, with the trust rules of `config` and its isolation: with "process" the entry point
// runs in a runner (a plugin that crashes while loading is rejected with the signal), and a
// destination's own setting decides where its hooks run.
LoadResult load_plugin(const std::filesystem::path& path, const LogSink& log, const HostConfig& config);

class DirectoryMemo;  // plugin/plugin_file.hpp

// What loading a library learned about its file besides the verdict, for the metadata cache.
struct LoadFacts {
  // When set, the file must still be this one (and have this SHA-256, when one is computed):
  // otherwise it is rejected before any of its code runs.
  std::optional<FileIdentity> expected_identity{};
  std::string expected_sha256{};
  // The memo of the pass over the search path this load is part of, if any.
  DirectoryMemo* directories = nullptr;
  // The file passed read_plugin_file's checks, so the verdict is the file's own (given the
  // same trust rules): the members below are set.
  bool read = false;
  FileIdentity identity{};  // of the file whose bytes were checked
  std::string sha256{};     // of those bytes (hex), when pins or signatures are in play
  // The signature file, when the verdict depended on it: its text, or nullopt when missing.
  bool signature_checked = false;
  std::optional<std::string> signature{};
  bool signature_unreadable = false;  // neither: a verdict that must not be kept
  // The rejection may not hold the next time, so it must not be kept either: no runner could be
  // started to run the entry point (the host lacked a descriptor, a process or memory, or its
  // runner program was missing), the entry point ran out of time (a busy machine can cause
  // that), or the system would not load the library (memory, descriptors, a library it needs).
  bool rejection_may_pass = false;
};
LoadResult load_plugin(const std::filesystem::path& path, const LogSink& log, const HostConfig& config,
                       LoadFacts& facts);

// Whether the trust rules call for a file's SHA-256 (pins or signatures are in play).
bool requires_verification(const PluginTrust& trust);
// The signature file of a plugin file.
std::filesystem::path signature_path_of(const std::filesystem::path& path);
// How much of a signature file is read.
inline constexpr std::size_t kMaxSignatureSize = 64 * 1024;

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
