// Written as a BPF program rather than libseccomp rules: libseccomp compares an argument once
// per rule, and "0 or this process" (0 is what the C library passes for "myself") takes two
// comparisons. Filters stack: the kernel applies this one and sandbox.cpp's, the stricter wins.
#include "self_only_filter.hpp"

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/ioprio.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <vector>

namespace destkit::runner {
namespace {

#if defined(__x86_64__)
constexpr std::uint32_t kArchitecture = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr std::uint32_t kArchitecture = AUDIT_ARCH_AARCH64;
#else
#error "the runner's seccomp filter knows x86-64 and AArch64"
#endif

constexpr std::uint32_t kSelf = 0xffffffffu;  // stands for the runner's pid in the rules below

struct ArgumentRule {
  long call;
  unsigned argument;
  std::initializer_list<std::uint32_t> allowed;  // the argument must be one of these
};

const ArgumentRule kRules[] = {
    {SYS_kill, 0, {kSelf}},
    {SYS_tgkill, 0, {kSelf}},
    {SYS_rt_sigqueueinfo, 0, {kSelf}},
    {SYS_rt_tgsigqueueinfo, 0, {kSelf}},
    {SYS_prlimit64, 0, {0, kSelf}},
    {SYS_setpriority, 0, {PRIO_PROCESS}},
    {SYS_setpriority, 1, {0, kSelf}},
    {SYS_getpriority, 0, {PRIO_PROCESS}},
    {SYS_getpriority, 1, {0, kSelf}},
    {SYS_sched_setscheduler, 0, {0, kSelf}},
    {SYS_sched_setparam, 0, {0, kSelf}},
    {SYS_sched_setaffinity, 0, {0, kSelf}},
    {SYS_sched_setattr, 0, {0, kSelf}},
    {SYS_ioprio_set, 0, {IOPRIO_WHO_PROCESS}},
    {SYS_ioprio_set, 1, {0, kSelf}},
    {SYS_ioprio_get, 0, {IOPRIO_WHO_PROCESS}},
    {SYS_ioprio_get, 1, {0, kSelf}},
    {SYS_migrate_pages, 0, {0, kSelf}},
    {SYS_move_pages, 0, {0, kSelf}},
    {SYS_get_robust_list, 0, {0, kSelf}},
};

sock_filter statement(std::uint16_t code, std::uint32_t k) { return BPF_STMT(code, k); }
sock_filter jump(std::uint16_t code, std::uint32_t k, std::uint8_t jt, std::uint8_t jf) { return BPF_JUMP(code, k, jt, jf); }

constexpr std::uint32_t kKill = SECCOMP_RET_KILL_PROCESS;
constexpr std::uint32_t kAllow = SECCOMP_RET_ALLOW;

std::uint32_t argument_low(unsigned n) { return offsetof(seccomp_data, args) + 8 * n; }  // little-endian
std::uint32_t argument_high(unsigned n) { return argument_low(n) + 4; }

// Per rule: when the call matches, the argument's high half must be 0 and its low half one of
// the allowed values, or the runner is killed; any other call goes on to the next rule.
void append_rule(std::vector<sock_filter>& program, const ArgumentRule& rule, pid_t self) {
  const auto allowed = static_cast<std::uint8_t>(rule.allowed.size());
  const std::uint8_t rest = 4 + allowed;  // instructions after the call's comparison
  program.push_back(statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
  program.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(rule.call), 0, rest));
  program.push_back(statement(BPF_LD | BPF_W | BPF_ABS, argument_high(rule.argument)));
  program.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, static_cast<std::uint8_t>(allowed + 1)));
  program.push_back(statement(BPF_LD | BPF_W | BPF_ABS, argument_low(rule.argument)));
  std::uint8_t left = allowed;
  for (std::uint32_t value : rule.allowed) {
    if (value == kSelf) value = static_cast<std::uint32_t>(self);
    program.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, value, left, 0));  // to the next rule
    --left;
  }
  program.push_back(statement(BPF_RET | BPF_K, kKill));
}

}  // namespace

std::string refuse_other_processes(pid_t self) {
  std::vector<sock_filter> program;
  program.push_back(statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
  program.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, kArchitecture, 1, 0));
  program.push_back(statement(BPF_RET | BPF_K, kKill));
#if defined(__x86_64__)
  // x32 calls carry the same architecture and other numbers.
  program.push_back(statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
  program.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1));
  program.push_back(statement(BPF_RET | BPF_K, kKill));
#endif
  for (const ArgumentRule& rule : kRules) append_rule(program, rule, self);
  program.push_back(statement(BPF_RET | BPF_K, kAllow));
  sock_fprog filter{static_cast<unsigned short>(program.size()), program.data()};
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter, 0, 0) != 0) {
    return std::string("seccomp (own processes only): ") + std::strerror(errno);
  }
  return {};
}

}  // namespace destkit::runner
