// destkit — the command-line host.
#include "arguments.hpp"
#include "commands.hpp"
#include "standard_output.hpp"

#include "abi/plugin_code.hpp"
#include "util/printable.hpp"

#include <malloc.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

namespace {

// Output that was not written is a failure whatever the command found: a script reading
// `destkit plugins --json > file` on a full disk must not take an empty file for an answer.
// Standard output is buffered, so most write errors only show when it is flushed here.
int exit_after_output(int code) {
  std::FILE* out = destkit::cli::cli_output();
  errno = 0;
  bool flushed = std::fflush(out) == 0;
  int error = errno;
  if (flushed && std::ferror(out) == 0 && std::ferror(stderr) == 0) return code;
  std::fprintf(stderr, "destkit: could not write the output%s%s\n", error != 0 ? ": " : "",
               error != 0 ? std::strerror(error) : "");
  return destkit::cli::kExitFailure;
}

// Ends the process with the command's status once its output is out. _exit, not exit: a
// plugin's destructors and exit handlers, which exit() would run, must not change the status
// or write after the output.
[[noreturn]] void finish(int code) {
  std::fflush(nullptr);
#if defined(__SANITIZE_ADDRESS__)
  __lsan_do_leak_check();  // which exit() would have run
#endif
  ::_exit(code);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace destkit::cli;
  // Blocks of 1 MiB or more (answers' bodies, what is made of them) are mapped apart and given
  // back when freed. glibc would otherwise raise this threshold after the first such block is
  // freed, and keep later ones in the allocator of the thread that freed them: serve's many
  // worker threads would hold hundreds of MiB for good.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  protect_standard_output();
  // destkit calls no exit(): one is a plugin's, wherever it comes from, and its status a lie.
  destkit::host::refuse_every_exit();
  ParseResult parsed = parse_arguments(argc, argv);
  if (!parsed.error.empty()) {
    std::fprintf(stderr, "destkit: %s\nRun 'destkit help' for usage.\n",
                 destkit::host::printable(parsed.error).c_str());
    finish(exit_after_output(kExitUsage));
  }
  try {
    finish(exit_after_output(run_command(parsed.arguments)));
  } catch (const std::exception& e) {  // also a write that failed (fmt throws)
    std::fprintf(stderr, "destkit: %s\n", destkit::host::printable(e.what()).c_str());
    finish(kExitFailure);
  }
}
