#include <destkit/host/plugin.hpp>

#include "call.hpp"

#define BOOST_DLL_USE_STD_FS 1
#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <mutex>
#include <vector>

namespace destkit::host {
namespace {

namespace fs = std::filesystem;

// Libraries are never unloaded while the process runs: code, strings and the descriptor of a
// plugin may be referenced anywhere. The registry is deliberately leaked so that no library
// is closed during static destruction either.
void keep_loaded(const boost::dll::shared_library& library) {
  static std::mutex mutex;
  static auto* libraries = new std::vector<boost::dll::shared_library>();
  std::lock_guard lock(mutex);
  libraries->push_back(library);
}

// The size of a v1.0 descriptor: everything up to and including on_extend_request.
constexpr std::size_t kMinimumDescriptorSize =
    offsetof(dk_plugin, on_extend_request) + sizeof(dk_plugin::on_extend_request);

Rejection reject(const fs::path& path, std::string reason) { return Rejection{path, std::move(reason)}; }

// Cheap checks before any code of the file runs.
std::string precheck(const fs::path& path) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec) return fmt::format("cannot be read ({})", ec.message());
  if (fs::is_directory(status)) return "is a directory, not a plugin file";
  if (!fs::is_regular_file(status)) return "is not a regular file";
  auto size = fs::file_size(path, ec);
  if (ec) return fmt::format("cannot be read ({})", ec.message());
  if (size == 0) return "is empty";

  char magic[4] = {};
  std::ifstream in(path, std::ios::binary);
  if (!in.read(magic, sizeof magic) || std::memcmp(magic, "\x7f" "ELF", 4) != 0) {
    return "is not a shared library (not an ELF file)";
  }
  // Boost.DLL 1.81's ELF reader is not hardened against corrupt files: treat it as parsing
  // untrusted input and turn any failure into a rejection.
  try {
    boost::dll::library_info info(path, false);
    std::vector<std::string> symbols = info.symbols();
    if (std::find(symbols.begin(), symbols.end(), DK_PLUGIN_ENTRY_SYMBOL) == symbols.end()) {
      return fmt::format("does not export {}: not a destkit plugin", DK_PLUGIN_ENTRY_SYMBOL);
    }
  } catch (const std::exception& e) {
    return fmt::format("is not a valid ELF shared library ({})", e.what());
  }
  return {};
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
  return {};
}

}  // namespace

Plugin::Plugin(fs::path path, const dk_plugin& descriptor, Definition definition)
    : path_(std::move(path)),
      descriptor_(descriptor),
      definition_(std::move(definition)),
      version_(descriptor.version) {}

std::string Plugin::abi_version() const {
  return fmt::format("{}.{}", descriptor_.abi_major, descriptor_.abi_minor);
}

LoadResult load_plugin(const fs::path& path, const LogSink& log) {
  if (std::string problem = precheck(path); !problem.empty()) return reject(path, problem);

  boost::dll::shared_library library;
  try {
    namespace mode = boost::dll::load_mode;
    library.load(path, mode::rtld_now | mode::rtld_local);
  } catch (const std::exception& e) {
    return reject(path, fmt::format("could not be loaded ({})", e.what()));
  }
  dk_plugin_entry_fn entry = nullptr;
  try {
    entry = &library.get<const dk_plugin*(const dk_host_api*)>(DK_PLUGIN_ENTRY_SYMBOL);
  } catch (const std::exception& e) {
    return reject(path, fmt::format("does not export {} ({})", DK_PLUGIN_ENTRY_SYMBOL, e.what()));
  }
  keep_loaded(library);

  const dk_plugin* raw = nullptr;
  {
    LoadingLog loading(&log, path.filename().string());
    raw = entry(host_api());
  }
  if (std::string problem = check_descriptor(raw); !problem.empty()) return reject(path, problem);

  // Members a plugin built against an older header does not have read as zero.
  dk_plugin descriptor{};
  std::memcpy(&descriptor, raw, std::min<std::size_t>(raw->struct_size, sizeof descriptor));

  auto parsed = parse_definition(descriptor.definition_json);
  if (auto* error = std::get_if<DefinitionError>(&parsed)) {
    return reject(path, "its definition is invalid: " + error->to_string());
  }
  Definition& definition = std::get<Definition>(parsed);
  if (definition.slug != descriptor.slug) {
    return reject(path, fmt::format("its descriptor says slug \"{}\" but its definition says \"{}\"",
                                    descriptor.slug, definition.slug));
  }
  return std::make_unique<Plugin>(path, descriptor, std::move(definition));
}

}  // namespace destkit::host
