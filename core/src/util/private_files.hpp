// private_files — directories and files that only the user running the host may reach.
//
// Opening never follows a symbolic link and never blocks on a FIFO. What is found must belong
// to the user running the host (the effective user) and give nothing to group or others; a
// directory that is missing can be created, mode 0700 whatever the umask. Anything else is
// refused with a message naming the path and what is wrong with it.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace destkit::host {

// An open file descriptor, closed with its owner.
class Descriptor {
 public:
  Descriptor() = default;
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor();
  Descriptor(Descriptor&& other) noexcept : fd_(other.release()) {}
  Descriptor& operator=(Descriptor&& other) noexcept;

  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

struct PrivateOpen {
  Descriptor fd{};
  std::string error{};   // why it was refused or could not be opened: "PATH is a symbolic link"
  bool missing = false;  // nothing is there (and it was not to be created)
  bool ok() const { return error.empty() && !missing; }
};

enum class IfMissing { report, create };

// The directory at `path`. With IfMissing::create, it and its missing parents are made 0700
// (existing parents are left as they are).
PrivateOpen open_private_directory(const std::filesystem::path& path, IfMissing if_missing);

// The directory `name` inside the open directory `parent`, which is at `parent_path`.
PrivateOpen open_private_directory_in(const PrivateOpen& parent, const std::filesystem::path& parent_path,
                                      const std::string& name, IfMissing if_missing);

// The regular file `name` inside the open directory `parent`, opened with `flags` (O_RDONLY,
// or O_RDWR; with IfMissing::create a missing file is made 0600).
PrivateOpen open_private_file_in(const PrivateOpen& parent, const std::filesystem::path& parent_path,
                                 const std::string& name, int flags, IfMissing if_missing);

// Replaces the file `name` in the open private directory `parent` (at `parent_path`) with
// `text`, so that a reader sees the old file or the new one whole, never a part: a new file
// under a fresh name, mode 0600 whatever the umask, written, flushed to disk and renamed over
// `name`. `before_replace` runs between the flush and the rename. Returns the error, or empty.
std::string replace_private_file_in(const PrivateOpen& parent, const std::filesystem::path& parent_path,
                                    const std::string& name, std::string_view text,
                                    const std::function<void()>& before_replace = {});

}  // namespace destkit::host
