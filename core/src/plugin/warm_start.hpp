// plugin/warm_start — discovering a plugin library through the metadata cache
// (plugin/metadata_cache.hpp), so that a host starts without running plugin code.
//
// A cache entry is used only when all of this holds now:
// - the file is the one the entry describes: same device, inode, size, and modification and
//   change times (in nanoseconds);
// - with SHA-256 pins or signatures in play, the file's bytes, read now, have the entry's
//   SHA-256 and the signature file holds what it held (so a signature is verified once per
//   content and signature);
// - the conditions the verdict was reached under are the same: this file's pin, whether pins
//   and signatures are required, the trusted keys, and where plugin code runs at discovery
//   (isolation and the runner's limits).
// The permission checks on the file and its directories run every time, as without the cache.
// A plugin is then listed from the entry, and its code is loaded at its first use through the
// same checks as without the cache; that load fails, saying so, if the file is no longer the
// one listed, or its code describes it otherwise (and then the entry is removed from the cache
// file, so the next host lists it from its code). A rejection is repeated with the same reason. Otherwise the file is
// discovered as without the cache, and the cache records what was found (but not a rejection that need not hold the
// next time: no runner could be started, the entry point ran out of time, or the system would not load the library).
#pragma once

#include "plugin/file_permissions.hpp"
#include "plugin/loader.hpp"
#include "plugin/metadata_cache.hpp"

#include <destkit/host/config.hpp>
#include <destkit/host/log.hpp>

#include <filesystem>
#include <string>

namespace destkit::host {

// What one pass over the search path computes once rather than once for each file.
struct DiscoveryPass {
  DirectoryMemo directories{};
  std::string unpinned_conditions{};  // the conditions digest of a file without a pin, once known
};

// `log` and `config` must outlive the plugin returned: its code is loaded with them.
LoadResult discover_library(const std::filesystem::path& file, MetadataCache& cache, const LogSink& log,
                            const HostConfig& config, DiscoveryPass& pass);

// Discovers the library as without the cache (its code runs), and records what was found.
// `pass` is null outside a pass over the whole search path.
LoadResult discover_library_cold(const std::filesystem::path& file, MetadataCache& cache, const LogSink& log,
                                 const HostConfig& config, DiscoveryPass* pass);

}  // namespace destkit::host
