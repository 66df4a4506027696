#include "standard_output.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace destkit::cli {
namespace {

std::FILE* output = nullptr;

}  // namespace

void protect_standard_output() {
  int saved = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  if (saved < 0) return;  // started without a standard output: nothing to protect
  std::FILE* stream = ::fdopen(saved, "w");
  if (stream == nullptr) {
    ::close(saved);
    return;
  }
  if (::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null < 0 || ::dup2(null, STDOUT_FILENO) < 0) {
      std::fclose(stream);
      return;
    }
    ::close(null);
  }
  output = stream;
}

std::FILE* cli_output() { return output != nullptr ? output : stdout; }

}  // namespace destkit::cli
