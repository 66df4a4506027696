// sandbox — what the runner takes away from itself before any plugin code runs.
#pragma once

#include <cstddef>
#include <string>

namespace destkit::runner {

struct Limits {
  std::size_t address_space_bytes = 0;  // 0: no limit (sanitizer builds, whose shadow memory needs it)
  int open_files = 64;
};

// Closes every descriptor but 0-4, sets the resource limits (and no core files), drops the
// runner's privileges (privileges.hpp), sets PR_SET_NO_NEW_PRIVS and loads the seccomp filters.
// Call it before any other thread starts: capabilities and filters belong to each thread, and a
// thread inherits its creator's. Returns why it failed, or nothing.
std::string enter_sandbox(const Limits& limits);

}  // namespace destkit::runner
