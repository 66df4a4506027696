#include "isolation/runner_process.hpp"

#include "fiber/waits.hpp"
#include "plugin/discovery.hpp"
#include "util/printable.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <vector>

namespace destkit::host {
namespace {

using Clock = std::chrono::steady_clock;

// Sanitizer runtimes turn a crash into a report and an exit; in a runner the host reports the
// crash itself, by the signal, and the sandbox would refuse the leak checker's tracer.
std::vector<std::string> runner_environment() {
  std::vector<std::string> env;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  constexpr const char* kSignals =
      "handle_segv=0:handle_sigbus=0:handle_abort=0:handle_sigfpe=0:handle_sigill=0:detect_leaks=0";
#if defined(__SANITIZE_ADDRESS__)
  const char* name = "ASAN_OPTIONS";
#else
  const char* name = "TSAN_OPTIONS";
#endif
  const char* given = std::getenv(name);
  env.push_back(fmt::format("{}={}{}{}", name, given != nullptr ? given : "", given != nullptr ? ":" : "", kSignals));
  if (const char* ubsan = std::getenv("UBSAN_OPTIONS")) env.push_back(fmt::format("UBSAN_OPTIONS={}", ubsan));
#endif
  return env;
}

std::string ended_by(int status, int& signal) {
  if (WIFSIGNALED(status)) {
    signal = WTERMSIG(status);
    const char* name = ::sigabbrev_np(signal);
    return name != nullptr ? fmt::format("SIG{}", name) : fmt::format("signal {}", signal);
  }
  return fmt::format("exit status {}", WEXITSTATUS(status));
}

// A copy of fd numbered 10 or above, so that placing the copies at 0-4 never overwrites one.
int high_copy(int fd) { return ::fcntl(fd, F_DUPFD_CLOEXEC, 10); }

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// A runner of a host that is not root runs as the host's user, and the kernel lets a process
// open /proc/<pid>/mem and /proc/<pid>/environ of a dumpable process of its own user. A
// non-dumpable host is reachable there only with CAP_SYS_PTRACE, which runners drop. The price:
// the host writes no core dump, and debuggers of its user cannot attach to it. A root host's
// runners run as nobody (runner/privileges.hpp) and reach none of it anyway.
void keep_runners_out_of_the_host() {
  if (::geteuid() != 0) ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace

std::filesystem::path runner_program() {
  HostCodeLocation host = host_code_location();
  if (host.directory.empty()) return {};
  return (host.directory / (host.is_program ? DESTKIT_RUNNER_FROM_BINDIR : DESTKIT_RUNNER_FROM_LIBDIR)).lexically_normal();
}

std::variant<std::unique_ptr<RunnerProcess>, std::string> RunnerProcess::start(int plugin_fd, const RunnerLimits& limits,
                                                                             LogSink log, std::string log_source) {
  std::filesystem::path program = runner_program();
  if (program.empty() || ::access(program.c_str(), X_OK) != 0) {
    return fmt::format("its runner cannot start: {} is not an executable program", program.string());
  }
  keep_runners_out_of_the_host();
  std::unique_ptr<RunnerProcess> runner(new RunnerProcess());
  runner->log_ = std::move(log);
  runner->log_source_ = std::move(log_source);
  int channel[2], out[2], err[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, channel) != 0) {
    return fmt::format("its runner cannot start: socketpair: {}", std::strerror(errno));
  }
  runner->channel_ = channel[0];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(channel[1]);
    return fmt::format("its runner cannot start: pipe: {}", std::strerror(errno));
  }
  runner->out_ = out[0];
  ::fcntl(out[0], F_SETFL, O_NONBLOCK);
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(channel[1]);
    ::close(out[1]);
    return fmt::format("its runner cannot start: pipe: {}", std::strerror(errno));
  }
  runner->err_ = err[0];
  ::fcntl(err[0], F_SETFL, O_NONBLOCK);
  int child[] = {high_copy(channel[1]), high_copy(plugin_fd), high_copy(out[1]), high_copy(err[1])};
  ::close(channel[1]);
  ::close(out[1]);
  ::close(err[1]);

  std::string address_space = std::to_string(limits.address_space_bytes);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  address_space = "0";  // the sanitizer's shadow memory needs terabytes of address space
#endif
  std::string open_files = std::to_string(limits.open_files);
  std::string program_text = program.string();
  std::vector<char*> argv = {program_text.data(), const_cast<char*>("--address-space"), address_space.data(),
                             const_cast<char*>("--open-files"), open_files.data(), nullptr};
  std::vector<std::string> env_text = runner_environment();
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attributes);
  ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, child[2], 1);
  ::posix_spawn_file_actions_adddup2(&actions, child[3], 2);
  ::posix_spawn_file_actions_adddup2(&actions, child[0], 3);
  ::posix_spawn_file_actions_adddup2(&actions, child[1], 4);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  ::posix_spawnattr_setsigmask(&attributes, &none);
  ::posix_spawnattr_setsigdefault(&attributes, &all);
  // A session of its own: no controlling terminal for the plugin to write to or read from,
  // and a terminal's Ctrl-C reaches the host alone, which then ends its calls itself.
  ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
  int spawned = ::posix_spawn(&runner->pid_, program.c_str(), &actions, &attributes, argv.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attributes);
  for (int fd : child) {
    if (fd >= 0) ::close(fd);
  }
  if (std::find(std::begin(child), std::end(child), -1) != std::end(child)) spawned = spawned != 0 ? spawned : EMFILE;
  if (spawned != 0) {
    if (runner->pid_ > 0) runner->stop();
    runner->pid_ = -1;
    return fmt::format("its runner cannot start: {}", std::strerror(spawned));
  }
  return runner;
}

RunnerProcess::~RunnerProcess() {
  stop();
  close_fd(out_);
  close_fd(err_);
}

void RunnerProcess::drain(int& fd, std::string& partial, LogLevel level, const char* stream, bool final) {
  char buffer[16384];
  for (int reads = 0; fd >= 0 && reads < 64; ++reads) {  // bounded: a chatty plugin cannot hold the host here
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) close_fd(fd);  // the runner ended, or the plugin closed its end
    if (n <= 0) break;
    partial.append(buffer, static_cast<std::size_t>(n));
  }
  // Whole lines, and anything long enough to be a line on its own, go to the log.
  constexpr std::size_t kLongestLine = 4096;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = partial.find('\n', start);
    if (end == std::string::npos && partial.size() - start >= kLongestLine) end = start + kLongestLine;
    if (end == std::string::npos && (final || fd < 0) && start < partial.size()) end = partial.size();
    if (end == std::string::npos) break;
    log_output(level, stream, std::string_view(partial).substr(start, end - start));
    start = end < partial.size() && partial[end] == '\n' ? end + 1 : end;
    if (start >= partial.size()) break;
  }
  partial.erase(0, start);
}

void RunnerProcess::log_output(LogLevel level, const char* stream, std::string_view line) {
  if (!log_) return;
  bool held = hold_.while_set != nullptr && *hold_.while_set;
  switch (log_budget_.take()) {
    case PluginLogBudget::Next::log: break;
    case PluginLogBudget::Next::say_dropped:  // after the lines it follows, held or not
      if (held) {
        hold_.lines->emplace_back(LogLevel::warn, std::string(kPluginLogDropped));
      } else {
        log_(LogLevel::warn, log_source_, kPluginLogDropped);
      }
      return;
    case PluginLogBudget::Next::drop: return;
  }
  if (held) {
    // Bounded as log() lines are held (abi/diagnostic_services.cpp).
    hold_.lines->emplace_back(level, fmt::format("{}: {}", stream, line.substr(0, 4 * kMaxPluginLogLineBytes)));
    return;
  }
  const Redactor& redactor = call_redactor_ != nullptr ? *call_redactor_ : last_redactor_;
  std::string text = fmt::format("{}: {}", stream, printable(redacted_log_line(redactor, line)));
  if (between_calls_) {
    log_(level, log_source_ + std::string(kBetweenCallsSource), text);
  } else {
    log_(level, log_source_, text);
  }
}

void RunnerProcess::flush_output() {
  pollfd fds[] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};  // one system call when nothing waits
  if (::poll(fds, 2, 0) < 0) fds[0].revents = fds[1].revents = POLLIN;
  int none = -1;  // nothing to read: only the unfinished line is logged
  drain(fds[0].revents != 0 ? out_ : none, out_partial_, LogLevel::info, "stdout", true);
  drain(fds[1].revents != 0 ? err_ : none, err_partial_, LogLevel::warn, "stderr", true);
}

void RunnerProcess::begin_call(const Redactor& redactor, OutputHold hold) {
  flush_output();  // written between calls
  between_calls_ = false;
  call_redactor_ = &redactor;
  hold_ = hold;
  log_budget_.reset();
  looked_in_call_ = {};
}

void RunnerProcess::end_call() {
  hold_ = {};  // the call may be ending: what is left is logged, redacted with what it knows
  flush_output();
  if (call_redactor_ != nullptr) last_redactor_ = *call_redactor_;
  call_redactor_ = nullptr;
  between_calls_ = true;
  log_budget_.reset();
}

bool RunnerProcess::send(const isolation::Message& message, Clock::duration budget) {
  outgoing_.clear();
  isolation::append_frame(outgoing_, message);
  bool sent = isolation::send_frames(channel_, outgoing_, fiber::poll, Clock::now() + budget);
  if (outgoing_.capacity() > (1u << 20)) std::string().swap(outgoing_);  // a large body is not kept
  return sent;
}

std::optional<isolation::Reader> RunnerProcess::receive(Clock::duration budget) {
  auto deadline = Clock::now() + budget;
  // Off a fiber, this thread has nothing else to do; on one, the loop looks again (fiber/loop.cpp).
  bool looked = false, arrived = false;
  for (;;) {
    if (auto frame = inbox_.take()) {  // written with the last one: no system call
      if (looked && !arrived) reply_wait_.slept();
      return frame;
    }
    if (!looked && !fiber::on_fiber()) {
      looked = true;
      auto from = Clock::now();
      bool worth_it = util::CallUnderWay::few() && looked_in_call_ < kMostLookingPerCall;
      arrived = reply_wait_.look([this] { return inbox_.fill(channel_); }, worth_it);
      looked_in_call_ += Clock::now() - from;
      continue;
    }
    // Rounded up: poll() must not return before the deadline and spin until it passes.
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd fds[] = {{channel_, POLLIN, 0}, {out_, POLLIN, 0}, {err_, POLLIN, 0}};
    int ready = fiber::poll(fds, 3, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
    if (ready < 0 && errno != EINTR) throw isolation::WireError(std::string("poll: ") + std::strerror(errno));
    if (ready <= 0) continue;
    if (fds[1].revents != 0) drain(out_, out_partial_, LogLevel::info, "stdout", false);
    if (fds[2].revents != 0) drain(err_, err_partial_, LogLevel::warn, "stderr", false);
    if (fds[0].revents != 0) inbox_.fill(channel_);
  }
}

RunnerProcess::BetweenCalls RunnerProcess::between_calls() {
  if (pid_ <= 0) return BetweenCalls::ended;
  pollfd p{channel_, POLLIN | POLLRDHUP, 0};
  if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) return BetweenCalls::ended;
  return inbox_.empty() && (p.revents & POLLIN) == 0 ? BetweenCalls::ready : BetweenCalls::spoke;
}

std::string RunnerProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return "already stopped";
  int status = 0;
  // A runner that has ended already ended its own way, or by another process's signal. One
  // whose channel just closed may still be on its way out: the kernel closes its descriptors
  // before it can be reaped, and its own end says more than a SIGKILL of ours.
  auto until = std::chrono::steady_clock::now() + grace;
  pid_t ended = 0;
  while ((ended = ::waitpid(pid_, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < until) {
    fiber::sleep_for(std::chrono::milliseconds(1));
  }
  stopped_by_host_ = ended != pid_;
  if (stopped_by_host_) {
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  pid_ = -1;
  close_fd(channel_);
  // What the plugin wrote before it ended is still in the pipes.
  drain(out_, out_partial_, LogLevel::info, "stdout", true);
  drain(err_, err_partial_, LogLevel::warn, "stderr", true);
  return ended_by(status, signal_);
}

}  // namespace destkit::host
