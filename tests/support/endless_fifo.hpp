// endless_fifo — a named pipe that yields some bytes and then neither more nor an end of file.
//
// A reader that stops at its limit is done quickly; one that reads to the end waits forever,
// as it would on /dev/zero, but without using up the machine's memory while the test fails.
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <thread>

namespace destkit::test {

class EndlessFifo {
 public:
  // Makes the FIFO at `path` and starts feeding it `bytes` spaces.
  EndlessFifo(std::filesystem::path path, std::size_t bytes);
  ~EndlessFifo();
  EndlessFifo(const EndlessFifo&) = delete;
  EndlessFifo& operator=(const EndlessFifo&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;  // read-write: the pipe always has a writer, so readers never see its end
  std::atomic<bool> stop_{false};
  std::thread feeder_;
};

}  // namespace destkit::test
