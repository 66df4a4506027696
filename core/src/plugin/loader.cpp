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

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace destkit::host {
namespace {

namespace fs = std::filesystem;

// The size of a v1.0 descriptor: everything up to and including on_extend_request.
constexpr std::size_t kMinimumDescriptorSize =
    offsetof(dk_plugin, on_extend_request) + sizeof(dk_plugin::on_extend_request);

Rejection reject(const fs::path& path, std::string reason) { return Rejection{path, std::move(reason)}; }

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
  std::string escaped;
  {
    LoadingLog loading(&log, path.filename().string());
    std::string name = path.filename().string();
    raw = run_plugin_code(
        name, "in its entry point", [&] { return entry(host_api()); },
        [&](const std::string& what) -> const dk_plugin* {
          escaped = printable(escaped_exception_message(name, "in its entry point", what), kShownMessageBytes);
          return nullptr;
        });
  }
  if (!escaped.empty()) return reject(path, escaped);
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
    facts.rejection_may_pass = none->not_started || none->out_of_time || none->killed_elsewhere;
    return reject(path, none->why + origin_hint(bytes));
  }
  auto& isolated = std::get<std::unique_ptr<IsolatedPlugin>>(started);
  if (std::string problem = check_descriptor(isolated->descriptor()); !problem.empty()) return reject(path, problem);
  auto definition = described(path, *isolated->descriptor());
  if (auto* rejection = std::get_if<Rejection>(&definition)) return std::move(*rejection);
  return std::make_unique<LoadedPlugin>(path, std::move(isolated), std::get<Definition>(std::move(definition)));
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
