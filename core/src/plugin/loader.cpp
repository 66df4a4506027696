#include "plugin/loader.hpp"

#include "abi/call.hpp"
#include "declarative/load.hpp"
#include "definition/parse.hpp"
#include "plugin/discovery.hpp"

#include "abi/plugin_code.hpp"
#include "isolation/isolated_plugin.hpp"
#include "plugin/descriptor_text.hpp"
#include "plugin/elf_dependencies.hpp"
#include "plugin/elf_exports.hpp"
#include "plugin/memory_library.hpp"
#include "plugin/plugin_file.hpp"
#include "plugin/trust.hpp"
#include "util/read_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <mutex>
#include <utility>
#include <vector>

namespace destkit::host {
namespace {

namespace fs = std::filesystem;

// The size of a v1.0 descriptor: everything up to and including on_extend_request.
constexpr std::size_t kMinimumDescriptorSize =
    offsetof(dk_plugin, on_extend_request) + sizeof(dk_plugin::on_extend_request);

Rejection reject(const fs::path& path, std::string reason) { return Rejection{path, std::move(reason)}; }

// The pin and signature checks on `bytes`, whose SHA-256 is `digest` (hex). Records in `facts`
// what the signature file held.
std::string trust_problem(const fs::path& path, const std::string& bytes, const std::string& digest,
                          const PluginTrust& trust, LoadFacts& facts) {
  std::string name = path.filename().string();
  auto pin = trust.sha256_pins.find(name);
  if (pin != trust.sha256_pins.end()) {
    if (digest != pin->second) return fmt::format("its SHA-256 is {}, not the pinned {}", digest, pin->second);
  } else if (trust.require_pins) {
    return fmt::format("is not pinned: the configuration requires a SHA-256 pin for every plugin (plugins.sha256.\"{}\")", name);
  }
  if (!trust.require_signatures) return {};
  fs::path signature_path = signature_path_of(path);
  FileContents signature = read_regular_file(signature_path, kMaxSignatureSize);
  facts.signature_checked = true;
  if (signature.error == ENOENT) {
    return fmt::format("has no signature ({} is missing) and signatures are required", signature_path.filename().string());
  }
  if (!signature.bytes) {
    facts.signature_unreadable = true;
    return fmt::format("its signature {} {}", signature_path.filename().string(), signature.reason());
  }
  facts.signature = *signature.bytes;
  for (const auto& key : trust.trusted_keys) {
    if (verify_ed25519(bytes, *signature.bytes, key)) return {};
  }
  return "its signature does not verify with any trusted key";
}

// A verified plugin vouches for its own bytes only: the libraries it makes the loader open
// must come from the system library directories.
std::string dependencies_problem(const std::string& bytes) {
  auto dependencies = read_elf_dependencies(bytes);
  std::string problem = std::holds_alternative<std::string>(dependencies)
                            ? "its dependencies cannot be read: " + std::get<std::string>(dependencies)
                            : dependency_problem(std::get<ElfDependencies>(dependencies));
  return problem.empty() ? problem
                         : problem + "; a plugin that must be signed or pinned may only need libraries from the "
                                     "system library directories";
}

// The loader must find the entry point, checked on the bytes before any of their code runs
// (a library's constructors run when it is loaded).
std::string entry_symbol_problem(const std::string& bytes) {
  auto image = read_elf_image(bytes);
  if (auto* problem = std::get_if<std::string>(&image)) return fmt::format("is not a valid ELF shared library ({})", *problem);
  auto exported = exports_function(std::get<ElfImage>(image), DK_PLUGIN_ENTRY_SYMBOL);
  if (auto* problem = std::get_if<std::string>(&exported)) return fmt::format("is not a valid ELF shared library ({})", *problem);
  if (!std::get<bool>(exported)) return fmt::format("does not export {}: not a destkit plugin", DK_PLUGIN_ENTRY_SYMBOL);
  return {};
}

// Plugins load from a copy in memory, where $ORIGIN names no folder: the likely reason a
// library next to the plugin was not found.
std::string origin_hint(const std::string& bytes) {
  auto dependencies = read_elf_dependencies(bytes);
  auto* read = std::get_if<ElfDependencies>(&dependencies);
  bool uses_origin = read && std::any_of(read->search_paths.begin(), read->search_paths.end(), [](const std::string& p) {
    return p.find("ORIGIN") != std::string::npos;
  });
  return uses_origin ? "; its RUNPATH/RPATH uses $ORIGIN, which names no folder here: the host loads plugins from a "
                       "copy in memory"
                     : "";
}

// Every check made before any code of the file runs, on the bytes that will be loaded.
std::string verification_problem(const fs::path& path, const std::string& bytes, const PluginTrust& trust,
                                 LoadFacts& facts) {
  if (bytes.size() < 4 || std::memcmp(bytes.data(), "\x7f" "ELF", 4) != 0) {
    return "is not a shared library (not an ELF file)";
  }
  if (!requires_verification(trust)) return {};
  facts.sha256 = sha256_hex(bytes);
  if (std::string problem = trust_problem(path, bytes, facts.sha256, trust, facts); !problem.empty()) return problem;
  return dependencies_problem(bytes);
}

std::string check_descriptor(const dk_plugin* d) {
  if (d == nullptr) return "its entry point returned NULL: the plugin refused to load";
  if (d->struct_size < offsetof(dk_plugin, min_host_abi_minor)) {
    return fmt::format("its descriptor is {} bytes, too small to be a destkit plugin", d->struct_size);
  }
  if (d->magic != DK_PLUGIN_MAGIC) return "its descriptor does not start with the destkit magic number";
  if (d->abi_major != DK_ABI_MAJOR) {
    return fmt::format("it was built for destkit ABI {}.x; this host speaks {}.{}", d->abi_major,
                       DK_ABI_MAJOR, DK_ABI_MINOR);
  }
  if (d->struct_size < kMinimumDescriptorSize) {
    return fmt::format("its descriptor is {} bytes, smaller than the {} bytes of ABI 1.0",
                       d->struct_size, kMinimumDescriptorSize);
  }
  if (d->min_host_abi_minor > DK_ABI_MINOR) {
    return fmt::format("it needs a newer host: ABI {}.{} or later (this host speaks {}.{})",
                       DK_ABI_MAJOR, d->min_host_abi_minor, DK_ABI_MAJOR, DK_ABI_MINOR);
  }
  if (d->slug == nullptr || d->version == nullptr || d->definition_json == nullptr) {
    return "its descriptor lacks a slug, a version or a definition";
  }
  return descriptor_text_problem(d->slug, d->version, d->definition_json);
}

}  // namespace

bool requires_verification(const PluginTrust& trust) {
  return !trust.sha256_pins.empty() || trust.require_pins || trust.require_signatures;
}

fs::path signature_path_of(const fs::path& path) { return path.string() + std::string(kSignatureSuffix); }

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
      d.problem = "it describes itself differently from when the host listed it; restart the host to list it again";
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
  return {slug(), version(), abi_version(), has_test_request(), has_extend_request(),
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

TrustedFile read_trusted_file(const fs::path& path, const PluginTrust& trust, std::size_t max_bytes) {
  auto file = read_plugin_file(path, trust.strict_permissions, max_bytes);
  if (auto* problem = std::get_if<std::string>(&file)) return {.problem = *problem};
  TrustedFile out{.bytes = std::move(std::get<PluginFile>(file).bytes)};
  LoadFacts unused;
  if (requires_verification(trust)) out.problem = trust_problem(path, out.bytes, sha256_hex(out.bytes), trust, unused);
  return out;
}

namespace {

// The descriptor checks and the definition, the same for a descriptor from the entry point in
// process and one a runner reported. `descriptor` is the zero-filled copy.
std::variant<Definition, Rejection> described(const fs::path& path, const dk_plugin& descriptor) {
  auto parsed = parse_definition(descriptor.definition_json);
  if (auto* error = std::get_if<DefinitionError>(&parsed)) {
    return reject(path, "its definition is invalid: " + error->to_string());
  }
  Definition& definition = std::get<Definition>(parsed);
  if (definition.slug != descriptor.slug) {
    return reject(path, fmt::format("its descriptor says slug \"{}\" but its definition says \"{}\"",
                                    descriptor.slug, definition.slug));
  }
  definition.version = descriptor.version;
  return std::move(definition);
}

// Runs the entry point in the host. Also returns the descriptor it returned, zero-filled.
LoadResult load_in_process(const fs::path& path, const std::string& bytes, const LogSink& log, dk_plugin& descriptor,
                           LoadFacts& facts) {
  if (std::string problem = entry_symbol_problem(bytes); !problem.empty()) return reject(path, problem);
  auto loaded = load_library_from_memory(bytes, path);
  if (auto* problem = std::get_if<std::string>(&loaded)) {
    facts.rejection_may_pass = true;  // the system refused it: memory, descriptors, a library it needs
    return reject(path, *problem + origin_hint(bytes));
  }
  const boost::dll::shared_library& library = *std::get<const boost::dll::shared_library*>(loaded);
  dk_plugin_entry_fn entry = nullptr;
  try {
    entry = &library.get<const dk_plugin*(const dk_host_api*)>(DK_PLUGIN_ENTRY_SYMBOL);
  } catch (const std::exception& e) {
    return reject(path, fmt::format("does not export {} ({})", DK_PLUGIN_ENTRY_SYMBOL, e.what()));
  }

  const dk_plugin* raw = nullptr;
  {
    LoadingLog loading(&log, path.filename().string());
    PluginCode running(path.filename().string(), "in its entry point");
    raw = entry(host_api());
  }
  if (std::string problem = check_descriptor(raw); !problem.empty()) return reject(path, problem);

  // Members a plugin built against an older header does not have read as zero.
  std::memcpy(&descriptor, raw, std::min<std::size_t>(raw->struct_size, sizeof descriptor));
  auto definition = described(path, descriptor);
  if (auto* rejection = std::get_if<Rejection>(&definition)) return std::move(*rejection);
  return std::make_unique<LoadedPlugin>(path, descriptor, std::get<Definition>(std::move(definition)));
}

// Runs the entry point in a runner; the hooks run there too.
LoadResult load_in_runner(const fs::path& path, const std::string& bytes, const LogSink& log, const HostConfig& config,
                          LoadFacts& facts) {
  if (std::string problem = entry_symbol_problem(bytes); !problem.empty()) return reject(path, problem);
  auto started = IsolatedPlugin::discover(path, bytes, config.runner, log);
  if (auto* none = std::get_if<NoRunner>(&started)) {
    facts.rejection_may_pass = none->not_started || none->out_of_time;
    return reject(path, none->why + origin_hint(bytes));
  }
  auto& isolated = std::get<std::unique_ptr<IsolatedPlugin>>(started);
  if (std::string problem = check_descriptor(isolated->descriptor()); !problem.empty()) return reject(path, problem);
  auto definition = described(path, *isolated->descriptor());
  if (auto* rejection = std::get_if<Rejection>(&definition)) return std::move(*rejection);
  return std::make_unique<LoadedPlugin>(path, std::move(isolated), std::get<Definition>(std::move(definition)));
}

// A file that passed every check made before its code runs: its bytes, or why it is refused.
std::variant<std::string, Rejection> verified_bytes(const fs::path& path, const PluginTrust& trust, LoadFacts& facts) {
  auto file = read_plugin_file(path, trust.strict_permissions, kMaxPluginFileSize, facts.directories);
  if (auto* problem = std::get_if<std::string>(&file)) return reject(path, *problem);
  PluginFile& read = std::get<PluginFile>(file);
  facts.read = true;
  facts.identity = identity_of(read.st);
  const char* changed = "the file changed since the host listed it; restart the host to list it again";
  if (facts.expected_identity && facts.identity != *facts.expected_identity) return reject(path, changed);
  if (std::string problem = verification_problem(path, read.bytes, trust, facts); !problem.empty()) {
    return reject(path, problem);
  }
  if (facts.expected_identity && facts.sha256 != facts.expected_sha256) return reject(path, changed);
  return std::move(read.bytes);
}

}  // namespace

LoadResult load_plugin(const fs::path& path, const LogSink& log, const PluginTrust& trust) {
  if (names_a_manifest(path.filename().string())) return declarative::load_declarative(path, trust);
  LoadFacts facts;
  auto bytes = verified_bytes(path, trust, facts);
  if (auto* rejection = std::get_if<Rejection>(&bytes)) return std::move(*rejection);
  dk_plugin descriptor{};
  return load_in_process(path, std::get<std::string>(bytes), log, descriptor, facts);
}

LoadResult load_plugin(const fs::path& path, const LogSink& log, const HostConfig& config) {
  LoadFacts facts;
  return load_plugin(path, log, config, facts);
}

LoadResult load_plugin(const fs::path& path, const LogSink& log, const HostConfig& config, LoadFacts& facts) {
  if (names_a_manifest(path.filename().string())) return declarative::load_declarative(path, config.plugins);
  auto verified = verified_bytes(path, config.plugins, facts);
  if (auto* rejection = std::get_if<Rejection>(&verified)) return std::move(*rejection);
  const std::string& bytes = std::get<std::string>(verified);
  if (config.isolation == Isolation::process) {
    LoadResult result = load_in_runner(path, bytes, log, config, facts);
    auto* loaded = std::get_if<std::unique_ptr<LoadedPlugin>>(&result);
    if (loaded == nullptr || config.isolation_of((*loaded)->slug()) == Isolation::process) return result;
    // The destination runs in process by its own setting; its runner has answered for it.
  }
  dk_plugin descriptor{};
  LoadResult result = load_in_process(path, bytes, log, descriptor, facts);
  auto* loaded = std::get_if<std::unique_ptr<LoadedPlugin>>(&result);
  if (loaded == nullptr || config.isolation_of((*loaded)->slug()) == Isolation::in_process) return result;
  auto deferred = IsolatedPlugin::deferred(path, bytes, descriptor, config.runner, log);
  if (auto* problem = std::get_if<std::string>(&deferred)) return reject(path, *problem);
  Definition definition = (*loaded)->definition();
  return std::make_unique<LoadedPlugin>(path, std::move(std::get<std::unique_ptr<IsolatedPlugin>>(deferred)),
                                        std::move(definition));
}

}  // namespace destkit::host
