#include "plugin/warm_start.hpp"

#include "definition/parse.hpp"
#include "plugin/plugin_file.hpp"
#include "plugin/signatures.hpp"
#include "util/sha256.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <system_error>

namespace destkit::host {
namespace {

namespace fs = std::filesystem;

// Everything besides the file that the verdict on it depends on, as a digest.
std::string conditions_digest(const fs::path& file, const HostConfig& config) {
  const PluginTrust& trust = config.plugins;
  auto pin = trust.sha256_pins.find(file.filename().string());
  std::string keys;
  if (trust.require_signatures) {
    for (const auto& key : trust.trusted_keys) keys += sha256_hex(key) + ",";
  }
  bool isolated = config.isolation.value_or(Isolation::in_process) == Isolation::process;
  std::string runner = isolated ? fmt::format("{}/{}/{}", config.runner.hook_deadline.count(),
                                              config.runner.address_space_bytes, config.runner.open_files)
                                : "";
  return sha256_hex(fmt::format("pin={};pins={};requirePins={};requireSignatures={};keys={};isolated={};runner={}",
                                pin == trust.sha256_pins.end() ? "" : pin->second, !trust.sha256_pins.empty(),
                                trust.require_pins, trust.require_signatures, keys, isolated, runner));
}

// conditions_digest, computed once per pass for the files that have no pin of their own.
std::string conditions_of(const fs::path& file, const HostConfig& config, DiscoveryPass* pass) {
  if (pass == nullptr || config.plugins.sha256_pins.contains(file.filename().string())) {
    return conditions_digest(file, config);
  }
  if (pass->unpinned_conditions.empty()) pass->unpinned_conditions = conditions_digest(file, config);
  return pass->unpinned_conditions;
}

struct Stale {};
// Whether `entry` describes `file` as it is now (true), or the file is refused by the checks
// that run every time (a Rejection: the entry still describes it).
using Match = std::variant<Stale, bool, Rejection>;

Match match_signature(const fs::path& file, const CacheEntry& entry) {
  if (!entry.signature_checked) return true;
  FileContents signature = read_regular_file(signature_path_of(file), kMaxSignatureFileBytes);
  std::optional<std::string> now;
  if (signature.bytes) {
    now = std::move(signature.bytes);
  } else if (signature.error != ENOENT) {
    return Stale{};
  }
  return now == entry.signature ? Match(true) : Match(Stale{});
}

Match match(const fs::path& file, const CacheEntry& entry, const PluginTrust& trust, DirectoryMemo& directories) {
  if (requires_verification(trust)) {
    auto read = read_plugin_file(file, trust.strict_permissions, kMaxPluginFileSize, &directories);
    if (auto* problem = std::get_if<std::string>(&read)) return Rejection{file, *problem};
    const PluginFile& plugin_file = std::get<PluginFile>(read);
    if (identity_of(plugin_file.st) != entry.identity || sha256_hex(plugin_file.bytes) != entry.sha256) return Stale{};
    return match_signature(file, entry);
  }
  // Without pins or signatures the file's identity stands for its bytes: it is not read.
  struct stat st {};
  std::error_code ec;
  fs::path real = directories.real_file(file, st, ec);
  if (ec || !S_ISREG(st.st_mode) || identity_of(st) != entry.identity) return Stale{};
  if (trust.strict_permissions) {
    if (std::string refusal = directories.permission_refusal(file, real, st); !refusal.empty()) {
      return Rejection{file, refusal};
    }
  }
  return true;
}

// The plugin the entry lists, its code loaded at first use; none when the entry cannot be read.
std::unique_ptr<LoadedPlugin> listed(const fs::path& file, const CacheEntry& entry, const fs::path& cache_path,
                                     const LogSink& log, const HostConfig& config) {
  const PluginMetadata& metadata = *entry.plugin;
  auto parsed = parse_definition(metadata.definition_json);
  auto* definition = std::get_if<Definition>(&parsed);
  if (definition == nullptr || definition->slug != metadata.slug) return nullptr;
  definition->version = metadata.version;
  auto load = [file, &log, &config, cache_path, listed_as = metadata, identity = entry.identity,
               sha256 = entry.sha256]() -> FirstUse {
    LoadFacts facts{.expected_identity = identity, .expected_sha256 = sha256};
    LoadResult result = load_plugin(file, log, config, facts);
    // Its code says otherwise than the entry (a library it loads changed, or the file did
    // without its size or times changing): the next host lists it from its code again.
    auto* loaded = std::get_if<std::unique_ptr<LoadedPlugin>>(&result);
    if (loaded != nullptr && (*loaded)->metadata() != listed_as) {
      std::string error = MetadataCache::forget(cache_path, file);
      if (!error.empty() && log) log(LogLevel::warn, "destkit", error);
    }
    return {std::move(result), !facts.read || facts.rejection_may_pass};
  };
  return std::make_unique<LoadedPlugin>(file, std::move(*definition), metadata, std::move(load));
}

}  // namespace

LoadResult discover_library_cold(const fs::path& file, MetadataCache& cache, const LogSink& log,
                                 const HostConfig& config, DiscoveryPass* pass) {
  LoadFacts facts{.directories = pass != nullptr ? &pass->directories : nullptr};
  LoadResult result = load_plugin(file, log, config, facts);
  // Recorded only when the file that was checked is still there unchanged.
  if (!cache.enabled() || !facts.read || facts.signature_unreadable || facts.rejection_may_pass ||
      identity_at(file) != facts.identity) {
    return result;
  }
  CacheEntry entry{facts.identity, conditions_of(file, config, pass), facts.sha256, facts.signature_checked, facts.signature};
  if (auto* rejection = std::get_if<Rejection>(&result)) {
    entry.rejection = rejection->reason;
  } else {
    entry.plugin = std::get<std::unique_ptr<LoadedPlugin>>(result)->metadata();
  }
  cache.record(file, std::move(entry));
  return result;
}

LoadResult discover_library(const fs::path& file, MetadataCache& cache, const LogSink& log, const HostConfig& config,
                            DiscoveryPass& pass) {
  const CacheEntry* entry = cache.find(file);
  if (entry == nullptr || entry->conditions != conditions_of(file, config, &pass)) {
    return discover_library_cold(file, cache, log, config, &pass);
  }
  Match found = match(file, *entry, config.plugins, pass.directories);
  if (std::holds_alternative<Stale>(found)) return discover_library_cold(file, cache, log, config, &pass);
  cache.record(file, *entry);
  if (auto* rejection = std::get_if<Rejection>(&found)) return std::move(*rejection);
  if (!entry->plugin) return Rejection{file, entry->rejection};
  if (auto plugin = listed(file, *entry, cache.path(), log, config)) return plugin;
  return discover_library_cold(file, cache, log, config, &pass);
}

}  // namespace destkit::host
