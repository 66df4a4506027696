#include "declarative/load.hpp"

#include "declarative/destination.hpp"

#include <memory>
#include <mutex>
#include <vector>

namespace destkit::host::declarative {
namespace {

struct Kept {
  Manifest manifest;
  DeclarativeDestination destination;
};

// Like a loaded library, a declarative destination is never freed while the process runs:
// its descriptor may be referenced anywhere. Deliberately leaked, so static destruction
// cannot free it either.
const DeclarativeDestination& keep(Manifest manifest) {
  static std::mutex mutex;
  static auto* kept = new std::vector<std::unique_ptr<Kept>>();
  auto entry = std::make_unique<Kept>();
  entry->manifest = std::move(manifest);
  entry->destination = make_destination(entry->manifest);
  std::lock_guard lock(mutex);
  kept->push_back(std::move(entry));
  return kept->back()->destination;
}

}  // namespace

LoadResult load_declarative(const std::filesystem::path& path, const PluginTrust& trust) {
  TrustedFile file = read_trusted_file(path, trust, kMaxManifestBytes);
  if (!file.problem.empty()) return Rejection{path, file.problem};
  auto parsed = parse_manifest(file.bytes);
  if (auto* error = std::get_if<DefinitionError>(&parsed)) {
    return Rejection{path, "its manifest is invalid: " + error->to_string()};
  }
  const DeclarativeDestination& destination = keep(std::get<Manifest>(std::move(parsed)));
  return std::make_unique<LoadedPlugin>(path, &destination.descriptor, destination.manifest->definition);
}

}  // namespace destkit::host::declarative
