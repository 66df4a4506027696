#include "plugin/file_permissions.hpp"

#include <fmt/format.h>

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <iterator>
#include <vector>

namespace destkit::host {
namespace {

namespace fs = std::filesystem;

// Whether the process's group is the user's own: a user private group (Debian's default), of
// which the user is the only member, whether listed in it or as their primary group, as
// Debian's ssh decides it for StrictModes. A group shared with other users is not: any of
// them could write through it. Looked up once: the user databases do not change under a host.
bool own_group_is_private() {
  static const bool is_private = [] {
    gid_t gid = ::getegid();
    uid_t uid = ::geteuid();
    std::vector<char> buffer(1 << 16);  // the reentrant lookups: other threads may look up too
    passwd user{};
    passwd* found_user = nullptr;
    if (::getpwuid_r(uid, &user, buffer.data(), buffer.size(), &found_user) != 0 || found_user == nullptr) return false;
    std::string name = user.pw_name;
    group own{};
    group* found_group = nullptr;
    if (::getgrgid_r(gid, &own, buffer.data(), buffer.size(), &found_group) != 0 || found_group == nullptr)
      return false;
    for (char** member = own.gr_mem; *member != nullptr; ++member) {
      if (name != *member) return false;
    }
    bool shared = false;
    passwd other{};
    passwd* next = nullptr;
    ::setpwent();
    while (!shared && ::getpwent_r(&other, buffer.data(), buffer.size(), &next) == 0 && next != nullptr) {
      shared = other.pw_gid == gid && other.pw_uid != uid;
    }
    ::endpwent();
    return !shared;
  }();
  return is_private;
}

// ssh's StrictModes for one file or directory: root's or the user's, and writable by no other
// user (group write only for root's group or the user's own private group).
std::string permission_problem(const struct stat& st, const std::string& what) {
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    return fmt::format("{} belongs to user {}, neither root nor the user running destkit", what, st.st_uid);
  }
  if ((st.st_mode & S_IWOTH) && !(S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX))) {
    return fmt::format("{} can be written by any user (mode {:04o})", what, st.st_mode & 07777);
  }
  // The user databases are read only for a group-writable file of the process's group.
  if ((st.st_mode & S_IWGRP) && st.st_gid != 0 && !(st.st_gid == ::getegid() && own_group_is_private())) {
    return fmt::format("{} can be written by group {} (mode {:04o})", what, st.st_gid, st.st_mode & 07777);
  }
  return {};
}

}  // namespace

std::string path_permission_problem(const fs::path& real_path, const struct stat& file) {
  if (std::string problem = permission_problem(file, "the file"); !problem.empty()) return problem;
  return directories_permission_problem(real_path.parent_path());
}

FileText read_trusted_file(const fs::path& path, std::size_t max_bytes) {
  auto check = [&path](int fd, const struct stat& st) -> std::string {
    std::error_code ec;
    fs::path real = fs::read_symlink(fmt::format("/proc/self/fd/{}", fd), ec);
    if (ec) return fmt::format("cannot tell where {} is ({})", path.string(), ec.message());
    std::string problem = file_permission_problem(st);
    if (problem.empty()) problem = directories_permission_problem(real.parent_path());
    if (problem.empty()) problem = link_permission_problem(path);
    if (problem.empty() || real == fs::absolute(path).lexically_normal()) return problem;
    return fmt::format("it resolves to {}; {}", real.string(), problem);
  };
  return read_file(path, {.max_bytes = max_bytes, .regular_file_only = true, .check = check});
}

std::string link_permission_problem(const fs::path& named) {
  std::error_code ec;
  fs::path absolute = fs::absolute(named, ec);
  if (ec) return {};
  std::deque<fs::path> rest(std::next(absolute.begin()), absolute.end());  // after the root
  fs::path current = absolute.root_path();
  for (int links = 0; !rest.empty();) {
    fs::path part = rest.front();
    rest.pop_front();
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      current = current.parent_path();
      continue;
    }
    fs::path next = current / part;
    struct stat st {};
    if (::lstat(next.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) {
      current = next;
      continue;
    }
    if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
      return fmt::format(
          "the symbolic link {} on its way belongs to user {}, neither root nor the user running destkit",
          next.string(), st.st_uid);
    }
    if (std::string problem = directories_permission_problem(current); !problem.empty()) {
      return fmt::format("the symbolic link {} on its way is in a directory another user can change ({})",
                         next.string(), problem);
    }
    fs::path target = fs::read_symlink(next, ec);
    if (ec || ++links > 40) return {};  // a loop: reading the file reports it
    if (target.is_absolute()) current = target.root_path();
    rest.insert(rest.begin(), target.is_absolute() ? std::next(target.begin()) : target.begin(), target.end());
  }
  return {};
}

std::string writable_place_problem(const fs::path& directory) {
  std::error_code ec;
  fs::path existing = fs::absolute(directory, ec);
  if (ec) return {};
  while (existing.has_relative_path() && !fs::exists(existing, ec)) existing = existing.parent_path();
  fs::path real = fs::canonical(existing, ec);
  if (ec) return {};  // opening the place says why
  std::string problem = directories_permission_problem(real);
  return problem.empty() ? link_permission_problem(existing) : problem;
}

std::string directories_permission_problem(const fs::path& real_directory) {
  fs::path directory = real_directory;
  for (bool own = true;; own = false) {
    struct stat st {};
    std::string what = fmt::format("{} {}", own ? "its directory" : "the directory", directory.string());
    if (::stat(directory.c_str(), &st) != 0)
      return fmt::format("{} cannot be examined ({})", what, std::strerror(errno));
    if (std::string problem = permission_problem(st, own ? what : what + " above it"); !problem.empty()) return problem;
    if (directory == directory.root_path() || !directory.has_relative_path()) return {};
    directory = directory.parent_path();
  }
}

std::string permission_refusal(const fs::path& path, const fs::path& real, const struct stat& st) {
  std::string problem = path_permission_problem(real, st);
  if (problem.empty()) problem = link_permission_problem(path);
  return permission_refusal(path, real, problem);
}

std::string permission_refusal(const fs::path& path, const fs::path& real, const std::string& problem) {
  if (problem.empty()) return problem;
  std::string resolved =
      real == fs::absolute(path).lexically_normal() ? "" : fmt::format("resolves to {}; ", real.string());
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
  if (problem.empty()) {  // the links on the way: the directory's once per pass, the file's own when it is one
    fs::path directory = path.has_parent_path() ? path.parent_path() : fs::path(".");
    auto found = link_problem_.find(directory);
    if (found == link_problem_.end())
      found = link_problem_.emplace(directory, link_permission_problem(directory)).first;
    problem = found->second;
    struct stat own {};
    if (problem.empty() && ::lstat(path.c_str(), &own) == 0 && S_ISLNK(own.st_mode))
      problem = link_permission_problem(path);
  }
  return host::permission_refusal(path, real_path, problem);
}

}  // namespace destkit::host
