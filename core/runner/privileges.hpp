// privileges — the identity and capabilities a runner gives up before it loads plugin code.
#pragma once

#include <sys/resource.h>

#include <string>

namespace destkit::runner {

// The identity a runner of a root host takes: nobody and nogroup on Debian.
inline constexpr unsigned kUnprivilegedId = 65534;
// The most processes and threads user kUnprivilegedId may have at once (RLIMIT_NPROC), in all
// the runners of root hosts together.
inline constexpr rlim_t kMaxUnprivilegedTasks = 4096;

// Clears the ambient capabilities; empties the bounding set when the runner may (it holds
// CAP_SETPCAP, as a root host's runner does); when any of its user ids is 0, drops every
// supplementary group and takes uid and gid kUnprivilegedId; clears the effective, permitted and
// inheritable capabilities; and makes the runner non-dumpable, so that another process of the
// same user cannot open its /proc/<pid>/mem. Applies to the calling thread's capabilities: call
// it before any other thread starts. Returns why it failed, or nothing.
std::string drop_privileges();

}  // namespace destkit::runner
