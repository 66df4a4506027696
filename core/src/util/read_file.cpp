#include "util/read_file.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

namespace destkit::host {

FileText read_descriptor(int fd, const std::string& name, std::size_t max_bytes) {
  FileText result;
  char buffer[65536];
  // One byte past the limit tells "exactly at the limit" from "larger".
  for (std::size_t wanted = max_bytes + 1; result.text.size() < wanted;) {
    ssize_t n = ::read(fd, buffer, std::min(sizeof buffer, wanted - result.text.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      return {{}, fmt::format("cannot read {} ({})", name, std::strerror(error)), false, false, error};
    }
    if (n == 0) return result;
    result.text.append(buffer, static_cast<std::size_t>(n));
  }
  return {{}, fmt::format("{} is larger than the limit of {} bytes", name, max_bytes), false, true};
}

namespace {

// Whether `fd` has something to read, or its writer has gone, within `wait` (a signal does
// not end the wait early; another poll error lets the read that follows report it).
bool readable_within(int fd, std::chrono::seconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd ready{fd, POLLIN, 0};
    int ready_count = ::poll(&ready, 1, static_cast<int>(std::max<long long>(left.count(), 0)));
    if (ready_count >= 0 || errno != EINTR) return ready_count != 0;
  }
}

}  // namespace

FileText read_file(const std::filesystem::path& path, ReadLimits limits) {
  const std::string name = path.string();
  // Opened non-blocking: opening a FIFO that no process writes would wait forever. A FIFO or a
  // character device is then given kFifoWait to have something to read (or its writer gone);
  // reads block again, so a pipe whose writer is still writing (bash's <(...)) is read whole.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return {{}, fmt::format("cannot read {} ({})", name, std::strerror(errno)), errno == ENOENT};
  struct stat st {};
  std::string problem;
  bool refused = false;
  if (::fstat(fd, &st) != 0) {
    problem = fmt::format("cannot read {} ({})", name, std::strerror(errno));
  } else if (S_ISDIR(st.st_mode)) {
    problem = fmt::format("{} is a directory, not a file", name);
  } else if (limits.regular_file_only && !S_ISREG(st.st_mode)) {
    problem = fmt::format("{} is not a regular file", name);
    refused = true;
  } else if (std::string checked = limits.check ? limits.check(fd, st) : std::string(); !checked.empty()) {
    problem = std::move(checked);
    refused = true;
  } else if (S_ISFIFO(st.st_mode) && !readable_within(fd, kFifoWait)) {
    problem = fmt::format("nothing was written to the FIFO {} within {} seconds", name, kFifoWait.count());
  } else if (S_ISCHR(st.st_mode) && !readable_within(fd, kFifoWait)) {  // /dev/ptmx never has anything
    problem = fmt::format("the device {} gave nothing to read within {} seconds", name, kFifoWait.count());
  } else if (int status = ::fcntl(fd, F_GETFL); status < 0 || ::fcntl(fd, F_SETFL, status & ~O_NONBLOCK) != 0) {
    problem = fmt::format("cannot read {} ({})", name, std::strerror(errno));
  }
  FileText result = problem.empty() ? read_descriptor(fd, name, limits.max_bytes) : FileText{{}, problem};
  result.refused = refused;
  ::close(fd);
  return result;
}

}  // namespace destkit::host
