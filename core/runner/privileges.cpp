// A plugin's constructors run at dlopen, so everything here happens before the runner loads it.
// Why each step: a capability such as CAP_SYS_PTRACE or CAP_DAC_OVERRIDE would let the plugin
// open the host's /proc/<pid>/mem or any file; a runner of a root host that stayed root could
// read every root-owned file (the token store among them) and the host's /proc/<pid>/environ.
#include "privileges.hpp"

#include <cerrno>
#include <cstring>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace destkit::runner {
namespace {

std::string failed(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

bool holds_effective(int capability) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  return (data[capability / 32].effective & (1u << (capability % 32))) != 0;
}

// Without CAP_SETPCAP the bounding set cannot shrink; it only limits what execve may grant, and
// the runner's seccomp filter kills it at execve.
std::string empty_bounding_set() {
  if (!holds_effective(CAP_SETPCAP)) return {};
  for (int capability = 0; ::prctl(PR_CAPBSET_READ, capability, 0, 0, 0) >= 0; ++capability) {
    if (::prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0) return failed("PR_CAPBSET_DROP");
  }
  return {};
}

std::string leave_root() {
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  if (::getresuid(&ruid, &euid, &suid) != 0 || ::getresgid(&rgid, &egid, &sgid) != 0) return failed("getresuid");
  if (ruid != 0 && euid != 0 && suid != 0) return {};
  if (::setgroups(0, nullptr) != 0) return failed("setgroups");
  if (::setresgid(kUnprivilegedId, kUnprivilegedId, kUnprivilegedId) != 0) return failed("setresgid");
  if (::setresuid(kUnprivilegedId, kUnprivilegedId, kUnprivilegedId) != 0) return failed("setresuid");
  return {};
}

std::string clear_capabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3]{};
  if (::syscall(SYS_capset, &header, none) != 0) return failed("capset");
  __user_cap_data_struct held[_LINUX_CAPABILITY_U32S_3]{};
  if (::syscall(SYS_capget, &header, held) != 0) return failed("capget");
  for (const auto& word : held) {
    if (word.effective != 0 || word.permitted != 0 || word.inheritable != 0) return "capabilities remained after capset";
  }
  return {};
}

}  // namespace

std::string drop_privileges() {
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return failed("PR_CAP_AMBIENT_CLEAR_ALL");
  if (auto e = empty_bounding_set(); !e.empty()) return e;
  if (auto e = leave_root(); !e.empty()) return e;
  if (auto e = clear_capabilities(); !e.empty()) return e;
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return failed("PR_SET_DUMPABLE");
  return {};
}

}  // namespace destkit::runner
