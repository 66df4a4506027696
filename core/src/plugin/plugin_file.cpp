#include "plugin/plugin_file.hpp"

#include "plugin/file_permissions.hpp"
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

}  // namespace destkit::host
