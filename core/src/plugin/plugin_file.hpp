// plugin_file — a plugin file read once, before any code of it runs.
//
// The host never opens a special file it was pointed at (a FIFO would block it, a device could
// do anything), and reads what it opened only once: those bytes are the ones verified and
// the ones loaded (memory_library.hpp).
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>

namespace destkit::host {

class DirectoryMemo;  // plugin/file_permissions.hpp

inline constexpr std::size_t kMaxPluginFileSize = std::size_t{256} << 20;

// A regular file read whole, or why not.
struct FileContents {
  std::optional<std::string> bytes;  // empty when the file was refused or unreadable
  std::string problem;               // "is a FIFO", "cannot be read (...)", ...
  bool special_file = false;         // refused by its type, without being opened
  int error = 0;                     // errno, when the system refused
  struct stat st {};                 // the file examined

  // The problem, saying so when the file was refused by its type.
  std::string reason() const {
    return special_file ? problem + ", not a regular file: refused without opening it" : problem;
  }
};

// Refuses anything but a regular file before opening it, opens without blocking, makes sure
// the file opened is the one examined, and refuses one of more than `limit` bytes (reading at
// most one byte past it). Without `follow_links`, a symbolic link is refused like any other
// special file.
FileContents read_regular_file(const std::filesystem::path& path, std::size_t limit, bool follow_links = true);

struct PluginFile {
  std::filesystem::path real_path;  // every symbolic link resolved
  std::string bytes;
  struct stat st {};  // the file the bytes were read from
};

// Reads the plugin at `path`. With `strict_permissions`, as ssh's StrictModes, on the real
// path: the file and every directory from its own up to "/" belong to root or to the user
// running the host, and others can write to them only through root's group or the user's own
// group, or in a sticky directory such as /tmp (where nobody can replace what another user
// put there). A file larger than `max_bytes` is refused. Returns the reason when it is refused.
// Within one pass over the search path, `directories` saves resolving and checking each
// directory again for every file in it.
std::variant<PluginFile, std::string> read_plugin_file(const std::filesystem::path& path, bool strict_permissions,
                                                       std::size_t max_bytes = kMaxPluginFileSize,
                                                       DirectoryMemo* directories = nullptr);

}  // namespace destkit::host
