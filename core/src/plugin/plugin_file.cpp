#include "plugin/plugin_file.hpp"

#include "util/read_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace destkit::host {
namespace {

namespace fs = std::filesystem;

std::string file_type_problem(mode_t mode) {
  if (S_ISREG(mode)) return {};
  if (S_ISDIR(mode)) return "is a directory";
  if (S_ISFIFO(mode)) return "is a FIFO";
  if (S_ISSOCK(mode)) return "is a socket";
  if (S_ISLNK(mode)) return "is a symbolic link";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "is a device";
  return "is not a regular file";
}

FileContents refused(std::string problem) {
  FileContents out;
  out.problem = std::move(problem);
  return out;
}

FileContents system_refused(int error = errno) {
  FileContents out = refused(fmt::format("cannot be read ({})", std::strerror(error)));
  out.error = error;
  return out;
}

struct Descriptor {
  int fd;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

// ssh's StrictModes for one file or directory: root's or the user's, and writable by no other
// user (group write only for root's group or the user's own).
std::string permission_problem(const struct stat& st, const std::string& what) {
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    return fmt::format("{} belongs to user {}, neither root nor the user running destkit", what, st.st_uid);
  }
  if ((st.st_mode & S_IWOTH) && !(S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX))) {
    return fmt::format("{} can be written by any user (mode {:04o})", what, st.st_mode & 07777);
  }
  if ((st.st_mode & S_IWGRP) && st.st_gid != ::getegid() && st.st_gid != 0) {
    return fmt::format("{} can be written by group {} (mode {:04o})", what, st.st_gid, st.st_mode & 07777);
  }
  return {};
}

}  // namespace

FileContents read_regular_file(const fs::path& path, std::size_t limit, bool follow_links) {
  struct stat examined {};
  if ((follow_links ? ::stat(path.c_str(), &examined) : ::lstat(path.c_str(), &examined)) != 0) return system_refused();
  if (std::string problem = file_type_problem(examined.st_mode); !problem.empty()) {
    FileContents out = refused(problem);
    out.special_file = true;
    out.st = examined;
    return out;
  }
  // O_NONBLOCK: should a FIFO take the file's place after the check, opening it cannot block.
  Descriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (follow_links ? 0 : O_NOFOLLOW))};
  if (file.fd < 0) return system_refused();
  FileContents out;
  if (::fstat(file.fd, &out.st) != 0) return system_refused();
  if (out.st.st_dev != examined.st_dev || out.st.st_ino != examined.st_ino || !S_ISREG(out.st.st_mode)) {
    return refused("was replaced while it was being opened");
  }
  FileText read = read_descriptor(file.fd, path.string(), limit);
  if (read.too_large) return refused(fmt::format("is larger than the limit of {} bytes", limit));
  if (!read.ok()) return system_refused(read.system_error);
  out.bytes = std::move(read.text);
  return out;
}

std::variant<PluginFile, std::string> read_plugin_file(const fs::path& path, bool strict_permissions,
                                                       std::size_t max_bytes, DirectoryMemo* directories) {
  std::error_code ec;
  struct stat resolved {};
  fs::path real = directories != nullptr ? directories->real_file(path, resolved, ec) : fs::canonical(path, ec);
  if (ec) return fmt::format("cannot be read ({})", ec.message());
  // The real path has no link left in it; one appearing now is not followed.
  FileContents contents = read_regular_file(real, max_bytes, false);
  if (!contents.bytes) {
    if (contents.special_file && S_ISDIR(contents.st.st_mode)) return std::string("is a directory, not a plugin file");
    return contents.reason();
  }
  if (contents.bytes->empty()) return std::string("is empty");
  if (strict_permissions) {
    std::string refusal = directories != nullptr ? directories->permission_refusal(path, real, contents.st)
                                                 : permission_refusal(path, real, contents.st);
    if (!refusal.empty()) return refusal;
  }
  return PluginFile{std::move(real), std::move(*contents.bytes), contents.st};
}

std::string path_permission_problem(const fs::path& real_path, const struct stat& file) {
  if (std::string problem = permission_problem(file, "the file"); !problem.empty()) return problem;
  return directories_permission_problem(real_path.parent_path());
}

std::string directories_permission_problem(const fs::path& real_directory) {
  fs::path directory = real_directory;
  for (bool own = true;; own = false) {
    struct stat st {};
    std::string what = fmt::format("{} {}", own ? "its directory" : "the directory", directory.string());
    if (::stat(directory.c_str(), &st) != 0) return fmt::format("{} cannot be examined ({})", what, std::strerror(errno));
    if (std::string problem = permission_problem(st, own ? what : what + " above it"); !problem.empty()) return problem;
    if (directory == directory.root_path() || !directory.has_relative_path()) return {};
    directory = directory.parent_path();
  }
}

std::string permission_refusal(const fs::path& path, const fs::path& real, const struct stat& st) {
  return permission_refusal(path, real, path_permission_problem(real, st));
}

std::string permission_refusal(const fs::path& path, const fs::path& real, const std::string& problem) {
  if (problem.empty()) return problem;
  std::string resolved = real == fs::absolute(path).lexically_normal() ? "" : fmt::format("resolves to {}; ", real.string());
  return resolved + problem + "; refused (--insecure-plugin-permissions loads it anyway)";
}

std::string file_permission_problem(const struct stat& st) { return permission_problem(st, "the file"); }

const fs::path& DirectoryMemo::real(const fs::path& directory) {
  auto found = real_.find(directory);
  if (found != real_.end()) return found->second;
  std::error_code ec;
  fs::path resolved = fs::canonical(directory, ec);
  return real_.emplace(directory, ec ? fs::path() : resolved).first->second;
}

const std::string& DirectoryMemo::problem(const fs::path& real_directory) {
  auto found = problem_.find(real_directory);
  if (found != problem_.end()) return found->second;
  return problem_.emplace(real_directory, directories_permission_problem(real_directory)).first->second;
}

fs::path DirectoryMemo::real_file(const fs::path& file, struct stat& st, std::error_code& ec) {
  auto failed = [&] {
    ec.assign(errno, std::generic_category());
    return fs::path();
  };
  if (::lstat(file.c_str(), &st) != 0) return failed();
  const fs::path& directory = real(file.has_parent_path() ? file.parent_path() : fs::path("."));
  if (S_ISLNK(st.st_mode) || directory.empty() || file.filename() == "." || file.filename() == "..") {
    fs::path resolved = fs::canonical(file, ec);
    if (ec) return {};
    if (::lstat(resolved.c_str(), &st) != 0) return failed();
    return resolved;
  }
  ec.clear();
  return directory / file.filename();
}

std::string DirectoryMemo::permission_refusal(const fs::path& path, const fs::path& real_path, const struct stat& st) {
  std::string problem = file_permission_problem(st);
  if (problem.empty()) problem = this->problem(real_path.parent_path());
  return host::permission_refusal(path, real_path, problem);
}

}  // namespace destkit::host
