#include "plugin/memory_library.hpp"

#include "abi/plugin_code.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <sys/mman.h>
#include <unistd.h>

namespace destkit::host {
namespace {

struct SealedLibrary {
  int fd;
  std::size_t size;
  boost::dll::shared_library library;
};

// Whether the sealed copy holds exactly `bytes`.
bool holds(const SealedLibrary& sealed, const std::string& bytes) {
  if (sealed.size != bytes.size()) return false;
  void* mapped = ::mmap(nullptr, sealed.size, PROT_READ, MAP_SHARED, sealed.fd, 0);
  if (mapped == MAP_FAILED) return false;  // then it loads again, under a name of its own
  bool same = std::memcmp(mapped, bytes.data(), bytes.size()) == 0;
  ::munmap(mapped, sealed.size);
  return same;
}

std::string sealed_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// The loader's messages name the memfd; the person reading them knows the file.
std::string naming_file(std::string message, const std::string& sealed, const std::filesystem::path& file) {
  for (std::size_t at = message.find(sealed); at != std::string::npos; at = message.find(sealed, at + file.string().size())) {
    message.replace(at, sealed.size(), file.string());
  }
  return message;
}

}  // namespace

int seal(const std::string& bytes, const std::filesystem::path& file, std::string& problem) {
  int fd = ::memfd_create(file.filename().string().substr(0, 200).c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    problem = fmt::format("could not be copied into memory ({})", std::strerror(errno));
    return -1;
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  if (done != bytes.size() ||
      ::fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    problem = fmt::format("could not be copied into memory ({})", std::strerror(errno));
    ::close(fd);
    return -1;
  }
  return fd;
}

std::variant<const boost::dll::shared_library*, std::string> load_library_from_memory(
    const std::string& bytes, const std::filesystem::path& file) {
  // Deliberately leaked: no library is closed during static destruction either.
  static std::mutex mutex;
  // Identical bytes are found by a fast hash and confirmed byte for byte: a SHA-256 of every
  // file cost a cold start of 1,000 plugins a sixth of its time.
  static auto* loaded = new std::unordered_multimap<std::size_t, SealedLibrary>();
  std::lock_guard lock(mutex);

  std::size_t hash = std::hash<std::string_view>{}(bytes);
  auto [first, last] = loaded->equal_range(hash);
  for (auto it = first; it != last; ++it) {
    if (holds(it->second, bytes)) return &it->second.library;
  }

  std::string problem;
  int fd = seal(bytes, file, problem);
  if (fd < 0) return problem;
  std::string path = sealed_path(fd);
  try {
    namespace mode = boost::dll::load_mode;
    PluginCode running(file.filename().string(), "while being loaded");
    boost::dll::shared_library library(path, mode::rtld_now | mode::rtld_local);
    return &loaded->emplace(hash, SealedLibrary{fd, bytes.size(), std::move(library)})->second.library;
  } catch (const std::exception& e) {
    problem = fmt::format("could not be loaded ({})", e.what());
  }
  ::close(fd);  // nothing of it is loaded: its name may come back
  return naming_file(problem, path, file);
}

}  // namespace destkit::host
