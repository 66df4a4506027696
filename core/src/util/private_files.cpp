#include "util/private_files.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace destkit::host {
namespace {

namespace fs = std::filesystem;

PrivateOpen refused(std::string why) { return PrivateOpen{Descriptor(), std::move(why), false}; }

// Why `path` could not be opened; names a symbolic link or a wrong file type as such.
PrivateOpen open_failure(int parent, const std::string& name, const fs::path& path, int error) {
  if (error == ENOENT) return PrivateOpen{Descriptor(), {}, true};
  struct stat st {};
  if ((error == ELOOP || error == ENOTDIR) && ::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode)) return refused(fmt::format("{} is a symbolic link", path.string()));
    if (error == ENOTDIR) return refused(fmt::format("{} is not a directory", path.string()));
  }
  return refused(fmt::format("cannot open {} ({})", path.string(), std::strerror(error)));
}

// Checks what was opened: its type, its owner and that group and others have no access.
PrivateOpen checked(Descriptor fd, const fs::path& path, bool directory) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return refused(fmt::format("cannot examine {} ({})", path.string(), std::strerror(errno)));
  if (directory ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
    return refused(fmt::format("{} is not a {}", path.string(), directory ? "directory" : "regular file"));
  }
  if (st.st_uid != ::geteuid()) {
    return refused(fmt::format("{} belongs to user {}, not to the user running destkit ({})", path.string(), st.st_uid,
                               ::geteuid()));
  }
  if ((st.st_mode & 077) != 0) {
    const char* wanted = directory ? "700" : "600";
    return refused(fmt::format("{} can be reached by group or others (mode {:04o}); only its owner may have access "
                               "(chmod {} {})",
                               path.string(), st.st_mode & 07777, wanted, path.string()));
  }
  return PrivateOpen{std::move(fd), {}, false};
}

constexpr int kDirectoryFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// mkdir, then chmod: the umask may take away more than group and others, or (000) nothing.
std::string make_directory(int parent, const std::string& name, const fs::path& path) {
  if (::mkdirat(parent, name.c_str(), 0700) != 0) {
    return errno == EEXIST ? std::string() : fmt::format("cannot create {} ({})", path.string(), std::strerror(errno));
  }
  if (::fchmodat(parent, name.c_str(), 0700, 0) != 0) {
    return fmt::format("cannot restrict {} to mode 0700 ({})", path.string(), std::strerror(errno));
  }
  return {};
}

}  // namespace

Descriptor::~Descriptor() {
  if (fd_ >= 0) ::close(fd_);
}

Descriptor& Descriptor::operator=(Descriptor&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

PrivateOpen open_private_directory(const fs::path& path, IfMissing if_missing) {
  if (if_missing == IfMissing::create) {
    fs::path prefix;
    for (const auto& part : path) {
      prefix /= part;
      if (prefix == prefix.root_path()) continue;
      if (std::string error = make_directory(AT_FDCWD, prefix.string(), prefix); !error.empty()) return refused(error);
    }
  }
  int fd = ::open(path.c_str(), kDirectoryFlags);
  if (fd < 0) return open_failure(AT_FDCWD, path.string(), path, errno);
  return checked(Descriptor(fd), path, true);
}

PrivateOpen open_private_directory_in(const PrivateOpen& parent, const fs::path& parent_path, const std::string& name,
                                      IfMissing if_missing) {
  fs::path path = parent_path / name;
  if (if_missing == IfMissing::create) {
    if (std::string error = make_directory(parent.fd.get(), name, path); !error.empty()) return refused(error);
  }
  int fd = ::openat(parent.fd.get(), name.c_str(), kDirectoryFlags);
  if (fd < 0) return open_failure(parent.fd.get(), name, path, errno);
  return checked(Descriptor(fd), path, true);
}

PrivateOpen open_private_file_in(const PrivateOpen& parent, const fs::path& parent_path, const std::string& name,
                                 int flags, IfMissing if_missing) {
  fs::path path = parent_path / name;
  // Non-blocking: opening a FIFO must not wait for a writer.
  flags |= O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
  if (if_missing == IfMissing::create) {
    int fd = ::openat(parent.fd.get(), name.c_str(), flags | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
      if (::fchmod(fd, 0600) != 0) {
        ::close(fd);
        return refused(fmt::format("cannot restrict {} to mode 0600 ({})", path.string(), std::strerror(errno)));
      }
      return checked(Descriptor(fd), path, false);
    }
    if (errno != EEXIST) return open_failure(parent.fd.get(), name, path, errno);
  }
  int fd = ::openat(parent.fd.get(), name.c_str(), flags);
  if (fd < 0) return open_failure(parent.fd.get(), name, path, errno);
  return checked(Descriptor(fd), path, false);
}

std::string replace_private_file_in(const PrivateOpen& parent, const fs::path& parent_path, const std::string& name,
                                    std::string_view text, const std::function<void()>& before_replace) {
  // In a private directory nobody else can have made the fresh name; a crashed writer may have
  // left one behind, so the name changes until one is free.
  static std::atomic<unsigned> counter{0};
  std::string temporary_name;
  Descriptor temporary;
  for (int attempt = 0; attempt < 100 && temporary.get() < 0; ++attempt) {
    temporary_name = fmt::format(".{}.{}.{}", name, ::getpid(), counter++);
    temporary = Descriptor(
        ::openat(parent.fd.get(), temporary_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (temporary.get() < 0 && errno != EEXIST) break;
  }
  if (temporary.get() < 0 || ::fchmod(temporary.get(), 0600) != 0) {
    return fmt::format("cannot write in {} ({})", parent_path.string(), std::strerror(errno));
  }
  fs::path temporary_path = parent_path / temporary_name;
  std::string error;
  int fd = temporary.get();
  for (std::size_t done = 0; done < text.size() && error.empty();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno != EINTR) error = fmt::format("cannot write {} ({})", temporary_path.string(), std::strerror(errno));
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  if (error.empty() && ::fsync(fd) != 0) {
    error = fmt::format("cannot flush {} ({})", temporary_path.string(), std::strerror(errno));
  }
  temporary = Descriptor();
  if (error.empty() && before_replace) before_replace();
  if (error.empty() && ::renameat(parent.fd.get(), temporary_name.c_str(), parent.fd.get(), name.c_str()) != 0) {
    error = fmt::format("cannot replace {} ({})", (parent_path / name).string(), std::strerror(errno));
  }
  if (!error.empty()) {
    ::unlinkat(parent.fd.get(), temporary_name.c_str(), 0);
    return error;
  }
  ::fsync(parent.fd.get());  // the rename is durable once the directory entry is
  return {};
}

}  // namespace destkit::host
