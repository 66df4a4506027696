#include "endless_fifo.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace destkit::test {

EndlessFifo::EndlessFifo(std::filesystem::path path, std::size_t bytes) : path_(std::move(path)) {
  if (::mkfifo(path_.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed: " + path_.string());
  fd_ = ::open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("cannot open the FIFO " + path_.string());
  feeder_ = std::thread([this, bytes] {
    const std::string chunk(4096, ' ');
    for (std::size_t written = 0; written < bytes && !stop_;) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssize_t n = ::write(fd_, chunk.data(), std::min(chunk.size(), bytes - written));
      if (n > 0) written += static_cast<std::size_t>(n);
    }
  });
}

EndlessFifo::~EndlessFifo() {
  stop_ = true;
  feeder_.join();
  ::close(fd_);
}

}  // namespace destkit::test
