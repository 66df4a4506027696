// read_file — whole files read with a bound, so that /dev/zero, an endless pipe or a huge file
// costs at most the bound (plus one byte) in memory and time, never all of it.
#pragma once

#include <sys/stat.h>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>

namespace destkit::host {

// Secrets and PEM keys are a few hundred bytes: files holding one are read up to this.
inline constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

struct FileText {
  std::string text{};
  std::string error{};  // empty on success; otherwise names the file and what went wrong
  bool missing = false;    // the error is that nothing exists at the path
  bool too_large = false;  // the error is that there is more than the limit
  int system_error = 0;    // errno, when read_descriptor's read failed
  bool refused = false;    // the error is ReadLimits::check's (or regular_file_only's)
  bool ok() const { return error.empty(); }
};

// How long read_file waits for a FIFO's writer to write something (or go).
inline constexpr std::chrono::seconds kFifoWait{10};

struct ReadLimits {
  std::size_t max_bytes = 1 << 20;
  // Refuse FIFOs, devices and sockets before reading. Off, a pipe such as bash's <(...) can be
  // read; a FIFO that nothing is written to within kFifoWait is an error, not a hang.
  bool regular_file_only = false;
  // Run on the opened file before it is read (its descriptor and status): a non-empty answer is
  // the error. What it checks is the file read, whatever a link in the path names by then.
  std::function<std::string(int fd, const struct stat& st)> check{};
};

// Reads all of `path`; more than `limits.max_bytes` bytes is an error (only max_bytes + 1 are
// ever read). A directory is an error.
FileText read_file(const std::filesystem::path& path, ReadLimits limits = {});

// The same for an open descriptor (standard input, or a file opened with special flags);
// `name` is how errors refer to it. The descriptor stays open.
FileText read_descriptor(int fd, const std::string& name, std::size_t max_bytes);

}  // namespace destkit::host
