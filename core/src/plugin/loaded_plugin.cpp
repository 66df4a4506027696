#include "plugin/loaded_plugin.hpp"

#include "isolation/isolated_plugin.hpp"
#include "plugin/discovery.hpp"

#include <fmt/format.h>

#include <utility>

namespace destkit::host {

namespace fs = std::filesystem;

Plugin::Plugin(fs::path path, Definition definition, std::string abi_version, bool has_test_request,
               bool has_extend_request)
    : path_(std::move(path)),
      definition_(std::move(definition)),
      abi_version_(std::move(abi_version)),
      has_test_request_(has_test_request),
      has_extend_request_(has_extend_request) {}

Plugin::~Plugin() = default;

LoadedPlugin::LoadedPlugin(fs::path path, const dk_plugin& descriptor, Definition definition)
    : LoadedPlugin(std::move(path), &descriptor, std::move(definition)) {
  copy_ = descriptor;
  descriptor_ = &copy_;
}

LoadedPlugin::LoadedPlugin(fs::path path, const dk_plugin* host_descriptor, Definition definition,
                           std::shared_ptr<const void> descriptor_owner)
    : Plugin(std::move(path), std::move(definition),
             fmt::format("{}.{}", host_descriptor->abi_major, host_descriptor->abi_minor),
             host_descriptor->on_test_request != nullptr, host_descriptor->on_extend_request != nullptr),
      descriptor_(host_descriptor),
      descriptor_owner_(std::move(descriptor_owner)) {}

LoadedPlugin::LoadedPlugin(fs::path path, std::unique_ptr<IsolatedPlugin> isolated, Definition definition)
    : LoadedPlugin(std::move(path), isolated->descriptor(), std::move(definition)) {
  isolated_ = std::move(isolated);
}

LoadedPlugin::LoadedPlugin(fs::path path, Definition definition, PluginMetadata metadata,
                           std::function<FirstUse()> load)
    : Plugin(std::move(path), std::move(definition), metadata.abi_version, metadata.has_test_request,
             metadata.has_extend_request),
      deferred_(std::make_unique<Deferred>()) {
  deferred_->metadata = std::move(metadata);
  deferred_->load = std::move(load);
}

LoadedPlugin::~LoadedPlugin() = default;

const LoadedPlugin* LoadedPlugin::code(std::string& problem) const {
  if (!deferred_) return this;
  Deferred& d = *deferred_;
  if (const LoadedPlugin* code = d.code.load(std::memory_order_acquire)) return code;
  std::lock_guard lock(d.mutex);
  if (d.loaded == nullptr && d.refusal_for_good().empty()) {
    FirstUse use = d.load();
    std::lock_guard problem_lock(d.problem_mutex);
    if (auto* rejection = std::get_if<Rejection>(&use.result)) {
      d.problem = rejection->reason;
      d.refused_for_good = !use.refusal_may_pass;
    } else if (auto& plugin = std::get<std::unique_ptr<LoadedPlugin>>(use.result); plugin->metadata() != d.metadata) {
      d.problem =
          "it describes itself differently from when the host listed it (a library it loads changed, say); restart "
          "the host to list it again";
      d.refused_for_good = true;
    } else {
      d.loaded = std::move(plugin);
      d.code.store(d.loaded.get(), std::memory_order_release);
    }
  }
  if (d.loaded == nullptr) {
    std::lock_guard problem_lock(d.problem_mutex);
    problem = fmt::format("its code could not be loaded at first use: {}", d.problem);
  }
  return d.loaded.get();
}

std::string LoadedPlugin::Deferred::refusal_for_good() const {
  std::lock_guard lock(problem_mutex);
  return refused_for_good ? fmt::format("its code could not be loaded at first use: {}", problem) : std::string();
}

const dk_plugin* LoadedPlugin::descriptor(std::string& problem) const {
  const LoadedPlugin* plugin = code(problem);
  return plugin != nullptr ? plugin->descriptor_ : nullptr;
}

PluginMetadata LoadedPlugin::metadata() const {
  if (deferred_) return deferred_->metadata;
  return {slug(),
          version(),
          abi_version(),
          has_test_request(),
          has_extend_request(),
          descriptor_->definition_json != nullptr ? descriptor_->definition_json : ""};
}

bool LoadedPlugin::code_loaded() const {
  return !deferred_ || deferred_->code.load(std::memory_order_acquire) != nullptr;
}

bool LoadedPlugin::runs_partner_code() const { return !names_a_manifest(path().filename().string()); }

// Forwarded to the plugin loaded at first use; before it is, a refusal that is kept.
std::string LoadedPlugin::quarantine_reason() const {
  if (deferred_) {
    const LoadedPlugin* code = deferred_->code.load(std::memory_order_acquire);
    return code != nullptr ? code->quarantine_reason() : deferred_->refusal_for_good();
  }
  return isolated_ ? isolated_->quarantine_reason() : std::string();
}

bool LoadedPlugin::lift_quarantine() const {
  if (deferred_) {
    if (const LoadedPlugin* code = deferred_->code.load(std::memory_order_acquire)) return code->lift_quarantine();
    std::lock_guard lock(deferred_->problem_mutex);
    return std::exchange(deferred_->refused_for_good, false);
  }
  return isolated_ && isolated_->lift_quarantine();
}

}  // namespace destkit::host
