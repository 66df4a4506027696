// self_only_filter — the seccomp rules that keep a runner's process calls on the runner itself.
#pragma once

#include <string>
#include <sys/types.h>

namespace destkit::runner {

// Loads a second seccomp filter (PR_SET_NO_NEW_PRIVS must be set) that kills the runner (SIGSYS)
// when a call that acts on a process names another one than `self`: signals (kill, tgkill,
// rt_sigqueueinfo, rt_tgsigqueueinfo) must name `self`; resource limits, priorities, scheduling,
// I/O priority, page migration and robust futex lists must name 0 or `self`, and priorities a
// process (not a process group or a user). Returns why it failed, or nothing.
std::string refuse_other_processes(pid_t self);

}  // namespace destkit::runner
