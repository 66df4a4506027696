// plugin/metadata_cache — what discovery learned about plugin library files, kept between runs
// so that a host can list its plugins without running their code (in the spirit of
// ld.so.cache). plugin/warm_start.hpp decides when an entry may be used.
//
// One JSON file. It is read only when it passes the checks a plugin file passes (it and every
// directory up to "/" belong to root or to the user running the host, and no other user can
// write to them), is a regular file of at most kMaxMetadataCacheBytes, is valid JSON of this
// format and was written by this version of destkit; otherwise it is ignored, with the reason
// logged, and written anew. It is written whole under a fresh name, flushed, and renamed over
// the old one (mode 0600, in a directory only its owner may reach: util/private_files.hpp).
#pragma once

#include "plugin/file_identity.hpp"
#include "plugin/loader.hpp"

#include <destkit/host/log.hpp>

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace destkit::host {

inline constexpr int kMetadataCacheFormat = 1;
inline constexpr std::size_t kMaxMetadataCacheBytes = std::size_t{64} << 20;

// What one library file was found to be, and under which conditions that holds.
struct CacheEntry {
  FileIdentity identity{};
  std::string conditions{};  // what else the verdict depended on (warm_start.hpp), as a digest
  std::string sha256{};      // of the file's bytes, when pins or signatures were in play
  // The signature file, when the verdict depended on it: its text, or nullopt when missing.
  bool signature_checked = false;
  std::optional<std::string> signature{};
  // The verdict: the plugin's own description, or why it was rejected.
  std::optional<PluginMetadata> plugin{};
  std::string rejection{};
  bool operator==(const CacheEntry&) const = default;
};

class MetadataCache {
 public:
  // No cache: nothing is found, nothing is written.
  MetadataCache() = default;
  // The cache at `path`, or an empty one when it is missing or cannot be used (`log` says why
  // at warn level); no cache at all when `path` is not absolute.
  static MetadataCache open(const std::filesystem::path& path, const LogSink& log);

  bool enabled() const { return !path_.empty(); }
  const std::filesystem::path& path() const { return path_; }
  // The entry read for `file`, if any.
  const CacheEntry* find(const std::filesystem::path& file) const;
  // Records what is known about `file` now; save() writes what was recorded.
  void record(const std::filesystem::path& file, CacheEntry entry);
  // Writes the recorded entries when they differ from what was read. The error, or empty.
  std::string save();
  // Removes the entry of `file` from the cache file at `path`, so that the next host to start
  // discovers the file anew. The error, or empty.
  static std::string forget(const std::filesystem::path& path, const std::filesystem::path& file);

 private:
  std::filesystem::path path_{};
  std::map<std::string, CacheEntry> read_{};
  std::map<std::string, CacheEntry> recorded_{};
};

}  // namespace destkit::host
