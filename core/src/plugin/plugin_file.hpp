// plugin_file — a plugin file read once, before any code of it runs.
//
// The host never opens a special file it was pointed at (a FIFO would block it, a device could
// do anything), and reads what it opened only once: those bytes are the ones verified and
// the ones loaded (memory_library.hpp).
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>

namespace destkit::host {

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

// What one pass over the search path learned about directories: each is resolved, and its
// permissions and those of the directories above it checked, once per pass rather than once
// for each file in it.
class DirectoryMemo {
 public:
  // `directory` with every symbolic link resolved; empty when it cannot be resolved.
  const std::filesystem::path& real(const std::filesystem::path& directory);
  // directories_permission_problem of a resolved directory.
  const std::string& problem(const std::filesystem::path& real_directory);
  // fs::canonical(file), resolving only the file itself when its directory is known; `st` gets
  // the status of the file that path names (not followed, as read_regular_file reads it).
  std::filesystem::path real_file(const std::filesystem::path& file, struct stat& st, std::error_code& ec);
  // permission_refusal (below) of the file at `real_path` whose status is `st`, its
  // directories checked once per pass.
  std::string permission_refusal(const std::filesystem::path& path, const std::filesystem::path& real_path,
                                 const struct stat& st);

 private:
  std::map<std::filesystem::path, std::filesystem::path> real_{};
  std::map<std::filesystem::path, std::string> problem_{};
};

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

// StrictModes for the file at `real_path` (no link left in it) whose status is `st`, then for
// each directory from its own up to "/": anyone who can write to one of them can replace the
// file. The problem ("its directory /x can be written by any user (mode 0777)"), or empty.
std::string path_permission_problem(const std::filesystem::path& real_path, const struct stat& st);

// The two halves of path_permission_problem: the file's own status, and the directories from
// `real_directory` (the file's own, with no link left in its path) up to "/".
std::string file_permission_problem(const struct stat& st);
std::string directories_permission_problem(const std::filesystem::path& real_directory);

// The permission checks of read_plugin_file alone, for the file at `real_path` (no link left
// in it) whose status is `st`, named `path` by the caller: the refusal read_plugin_file would
// give, or empty.
std::string permission_refusal(const std::filesystem::path& path, const std::filesystem::path& real_path,
                               const struct stat& st);
// The refusal read_plugin_file words around a `problem` of path_permission_problem; empty when
// there is none.
std::string permission_refusal(const std::filesystem::path& path, const std::filesystem::path& real_path,
                               const std::string& problem);

}  // namespace destkit::host
