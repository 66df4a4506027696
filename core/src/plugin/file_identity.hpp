// plugin/file_identity — what tells one version of a file from another without reading it.
//
// The device and inode name the file; size, modification and change times (in nanoseconds)
// change when it is written. The change time cannot be set back by the file's owner (only the
// clock can), so a file rewritten with the same size and its old modification time still gets
// a new identity.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <optional>

namespace destkit::host {

struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t size = 0;
  std::int64_t modified_ns = 0;
  std::int64_t changed_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

FileIdentity identity_of(const struct stat& st);

// The identity of what `path` names (symbolic links followed); none when it cannot be examined.
std::optional<FileIdentity> identity_at(const std::filesystem::path& path);

}  // namespace destkit::host
