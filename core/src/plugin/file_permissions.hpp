// plugin/file_permissions — ssh's StrictModes for plugin files: the file and every directory
// from its own up to "/" belong to root or to the user running the host, and others can write
// to them only through root's group or the user's own private group (no other user is in it),
// or in a sticky directory such as /tmp. Anyone who can write to one of them can replace the
// plugin.
#pragma once

#include "util/read_file.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <string>
#include <system_error>

namespace destkit::host {

// StrictModes for the file at `real_path` (no link left in it) whose status is `st`, then for
// each directory from its own up to "/": anyone who can write to one of them can replace the
// file. The problem ("its directory /x can be written by any user (mode 0777)"), or empty.
std::string path_permission_problem(const std::filesystem::path& real_path, const struct stat& st);

// Reads a file whose content decides what the host trusts (its configuration, a key, a bearer
// token) as read_file does, refusing it unless it is a regular file that passes
// path_permission_problem. The file checked is the one opened, found again from its
// descriptor, so a link swapped between the check and the read cannot pass another file.
FileText read_trusted_file(const std::filesystem::path& path, std::size_t max_bytes);

// The symbolic links met on the way from `named` (as the caller named it) to the file: each
// must belong to root or the user running the host and be in a directory that passes
// directories_permission_problem, since whoever can change the link or that directory decides
// where it leads, whatever the file it leads to (in a sticky directory such as /tmp, a link's
// owner can replace it). The problem, or empty (also when the path cannot be followed:
// reading it reports why).
std::string link_permission_problem(const std::filesystem::path& named);

// Where the host is to make or replace files of its own (the token store, the metadata cache):
// the nearest of `directory` and its parents that exists, and every directory above it, must
// pass directories_permission_problem, and the links on the way link_permission_problem, or
// another user could move the files aside or lead the writes elsewhere. The problem, or empty.
std::string writable_place_problem(const std::filesystem::path& directory);

// The two halves of path_permission_problem: the file's own status, and the directories from
// `real_directory` (the file's own, with no link left in its path) up to "/".
std::string file_permission_problem(const struct stat& st);
std::string directories_permission_problem(const std::filesystem::path& real_directory);

// The permission checks of read_plugin_file alone, for the file at `real_path` (no link left
// in it) whose status is `st`, named `path` by the caller (the links on its way checked too):
// the refusal read_plugin_file would give, or empty.
std::string permission_refusal(const std::filesystem::path& path, const std::filesystem::path& real_path,
                               const struct stat& st);
// The refusal read_plugin_file words around a `problem` of path_permission_problem; empty when
// there is none.
std::string permission_refusal(const std::filesystem::path& path, const std::filesystem::path& real_path,
                               const std::string& problem);

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
  std::map<std::filesystem::path, std::string> link_problem_{};  // link_permission_problem of named directories
};

}  // namespace destkit::host
