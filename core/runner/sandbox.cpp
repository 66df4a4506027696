// The seccomp filter allows by default and kills the runner (SIGSYS, which the host reports)
// on the system calls a destination never needs: starting programs, making processes, tracing
// or signalling other processes (directly, or as the owner of a descriptor's I/O signals),
// every network socket (the host makes the requests) and io_uring. A
// denylist rather than an allowlist: the C library, the dynamic loader and the sanitizer
// runtimes use many calls that differ between versions, and none of those is dangerous alone.
// Calls that may act on this process or another are judged by their arguments in
// self_only_filter.cpp. A denylist refuses nothing it does not name; what protects the host
// from the calls it does not name is that the runner holds no capability and, under a root
// host, is not root (privileges.cpp).
#include "sandbox.hpp"

#include "privileges.hpp"
#include "self_only_filter.hpp"

#include <seccomp.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/sched.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace destkit::runner {
namespace {

std::string failed(const char* what, int error) { return std::string(what) + ": " + std::strerror(error); }

std::string set_limit(int resource, rlim_t value, const char* name) {
  rlimit limit{value, value};
  if (::setrlimit(resource, &limit) != 0) return failed(name, errno);
  return {};
}

std::string load_filter() {
  scmp_filter_ctx ctx = ::seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) return "seccomp_init failed";
  int rc = 0;
  auto refuse = [&](int syscall) {
    if (rc == 0) rc = ::seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, syscall, 0);
  };
  for (int call :
       {SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(fork), SCMP_SYS(vfork), SCMP_SYS(ptrace),
        SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev), SCMP_SYS(socket), SCMP_SYS(socketpair),
        SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(listen), SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(setns),
        SCMP_SYS(unshare), SCMP_SYS(mount), SCMP_SYS(umount2), SCMP_SYS(chroot), SCMP_SYS(pivot_root), SCMP_SYS(bpf),
        SCMP_SYS(perf_event_open), SCMP_SYS(userfaultfd), SCMP_SYS(keyctl), SCMP_SYS(add_key), SCMP_SYS(request_key),
        SCMP_SYS(kexec_load), SCMP_SYS(init_module), SCMP_SYS(finit_module), SCMP_SYS(delete_module),
        SCMP_SYS(pidfd_open), SCMP_SYS(pidfd_getfd), SCMP_SYS(kcmp), SCMP_SYS(tkill),
        // A pidfd may also be a /proc/<pid> directory opened by path.
        SCMP_SYS(pidfd_send_signal), SCMP_SYS(process_madvise), SCMP_SYS(process_mrelease),
        // A ring's operations (a socket, a connection, opening files) are not system
        // calls: the filter would never see them.
        SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register),
        // System V objects and POSIX message queues outlive the runner, and a segment's memory counts in no
        // limit of its own until it is attached.
        SCMP_SYS(shmget), SCMP_SYS(msgget), SCMP_SYS(semget), SCMP_SYS(mq_open)}) {
    refuse(call);
  }
  // The owner of a descriptor's I/O signals (SIGIO, or any signal F_SETSIG picks: SIGKILL) may
  // be any process the runner could not signal itself. The kernel reads these commands as
  // 32-bit: compare only the low half.
  auto refuse_command = [&](int syscall, unsigned command) {
    if (rc == 0) {
      rc = ::seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, syscall, 1,
                              SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, command));
    }
  };
  for (unsigned command : {F_SETOWN, F_SETOWN_EX}) refuse_command(SCMP_SYS(fcntl), command);
  for (unsigned command : {FIOSETOWN, SIOCSPGRP}) refuse_command(SCMP_SYS(ioctl), command);
  // Signal-driven I/O itself: on a terminal the kernel makes the terminal's foreground
  // process group (a shell's job: the host) the owner, without any of the calls above.
  // TIOCSTI would type into a terminal.
  for (unsigned command : {FIOASYNC, TIOCSTI}) refuse_command(SCMP_SYS(ioctl), command);
  if (rc == 0) {
    rc = ::seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(fcntl), 2,
                            SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, F_SETFL),
                            SCMP_A2(SCMP_CMP_MASKED_EQ, O_ASYNC, O_ASYNC));
  }
  // Threads only: clone without CLONE_THREAD would make a process.
  if (rc == 0) {
    rc = ::seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
                            SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
  }
  // clone3 passes its flags in memory a filter cannot read: the C library falls back to clone.
  if (rc == 0) rc = ::seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  if (rc == 0) rc = ::seccomp_load(ctx);
  ::seccomp_release(ctx);
  return rc == 0 ? std::string() : failed("seccomp", -rc);
}

}  // namespace

std::string enter_sandbox(const Limits& limits) {
  ::close_range(5, ~0U, 0);
  // No higher than the hard limits the host gave it, which a runner not run as root cannot raise.
  auto within_inherited = [](int resource, rlim_t wanted) {
    rlimit inherited{};
    return ::getrlimit(resource, &inherited) == 0 && inherited.rlim_max < wanted ? inherited.rlim_max : wanted;
  };
  if (limits.address_space_bytes != 0) {
    rlim_t address_space = within_inherited(RLIMIT_AS, static_cast<rlim_t>(limits.address_space_bytes));
    if (auto e = set_limit(RLIMIT_AS, address_space, "RLIMIT_AS"); !e.empty()) return e;
  }
  rlim_t open_files = within_inherited(RLIMIT_NOFILE, static_cast<rlim_t>(limits.open_files));
  if (auto e = set_limit(RLIMIT_NOFILE, open_files, "RLIMIT_NOFILE"); !e.empty()) return e;
  if (auto e = set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE"); !e.empty()) return e;
  // No file grows: a file in a tmpfs (/dev/shm) or a memfd is memory that RLIMIT_AS does not
  // count, and one in /dev/shm outlives the runner. Writing fails with EFBIG rather than
  // ending the runner.
  if (auto e = set_limit(RLIMIT_FSIZE, 0, "RLIMIT_FSIZE"); !e.empty()) return e;
  std::signal(SIGXFSZ, SIG_IGN);
  // The runners of a root host share user 65534, whose threads this bounds all together, so
  // that a plugin making threads without end cannot use up the machine's process ids.
  if (::geteuid() == 0) {
    if (auto e = set_limit(RLIMIT_NPROC, kMaxUnprivilegedTasks, "RLIMIT_NPROC"); !e.empty()) return e;
  }
  if (auto e = drop_privileges(); !e.empty()) return e;
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return failed("PR_SET_NO_NEW_PRIVS", errno);
  if (auto e = load_filter(); !e.empty()) return e;
  return refuse_other_processes(::getpid());
}

}  // namespace destkit::runner
