#include "declarative/load.hpp"

#include "declarative/destination.hpp"

#include <memory>

namespace destkit::host::declarative {
namespace {

// The manifest and the descriptor made from it, kept by the plugin made of them: a rejected
// or discarded one (a slug already taken, a rescan trying the file again) is freed with it.
struct Made {
  Manifest manifest;
  DeclarativeDestination destination;
};

}  // namespace

LoadResult load_declarative(const std::filesystem::path& path, const PluginTrust& trust) {
  TrustedFile file = read_trusted_file(path, trust, kMaxManifestBytes);
  if (!file.problem.empty()) return Rejection{path, file.problem};
  auto parsed = parse_manifest(file.bytes);
  if (auto* error = std::get_if<DefinitionError>(&parsed)) {
    return Rejection{path, "is not a valid manifest: " + error->to_string()};
  }
  auto made = std::make_shared<Made>();
  made->manifest = std::get<Manifest>(std::move(parsed));
  made->destination = make_destination(made->manifest);  // refers to the manifest where it now stays
  const DeclarativeDestination& destination = made->destination;
  return std::make_unique<LoadedPlugin>(path, &destination.descriptor, destination.manifest->definition,
                                        std::move(made));
}

}  // namespace destkit::host::declarative
