// The pool of an isolated plugin's runners: started (after a backoff once they have ended),
// handed to calls, taken back, ended when idle too long, and counted when they end, until the
// plugin is quarantined. The conversation with a runner is in isolated_plugin.cpp.
#include "isolation/isolated_plugin.hpp"

#include "abi/call.hpp"
#include "fiber/waits.hpp"
#include "isolation/service_call.hpp"

#include <fmt/format.h>

#include <csignal>
#include <thread>

namespace destkit::host {
namespace {

using Clock = std::chrono::steady_clock;
using isolation::Hook;
using isolation::Kind;

// The runner's loader names the memfd; the person reading the message knows the file.
std::string naming_file(std::string message, const std::string& file) {
  constexpr std::string_view kSealed = "/proc/self/fd/4";
  for (auto at = message.find(kSealed); at != std::string::npos; at = message.find(kSealed, at + file.size())) {
    message.replace(at, kSealed.size(), file);
  }
  return message;
}

}  // namespace

std::string IsolatedPlugin::stop(RunnerProcess& runner) {
  std::string how = runner.stop(kGraceToEnd);
  if (runner.killed_by(SIGSYS)) {
    return "was stopped by the sandbox (SIGSYS: a system call runners may not make, such as starting a program, "
           "making a process or opening a socket)";
  }
  if (runner.killed_by(SIGKILL) && runner.stopped_by_host())
    return "broke its channel to the host and was stopped (SIGKILL)";
  // A runner kills itself so when its channel is no longer the one it started with; another
  // process, or the kernel out of memory, can kill it so too.
  if (runner.killed_by(SIGKILL)) {
    return "was killed (SIGKILL): it broke its channel to the host, or another process or the system (out of "
           "memory) killed it";
  }
  return fmt::format("crashed ({})", how);
}

std::string IsolatedPlugin::record_end(std::string fault) {
  std::vector<Idle> ended;  // a quarantined plugin's idle runners: ended outside the lock
  std::unique_lock lock(mutex_);
  auto now = Clock::now();
  crashes_.push_back(now);
  while (!crashes_.empty() && now - crashes_.front() > limits_.crash_window) crashes_.pop_front();
  if (static_cast<int>(crashes_.size()) >= limits_.crashes_before_quarantine && quarantined_.empty()) {
    std::string times = crashes_.size() == 1 ? "once" : fmt::format("{} times", crashes_.size());
    quarantined_ =
        fmt::format("its runner ended {} within {} s; the last time: {}", times, limits_.crash_window.count(), fault);
    ended.swap(idle_);
    runners_ -= static_cast<int>(ended.size());
    if (log_)
      log_(LogLevel::error, name(), fmt::format("quarantined until the plugins are rescanned: {}", quarantined_));
  }
  bool quarantined = !quarantined_.empty();
  lock.unlock();
  ended.clear();                         // kills and reaps them
  if (quarantined) freed_.notify_all();  // calls waiting for a runner fail at once
  return fault;
}

IsolatedPlugin::Started IsolatedPlugin::start_runner() {
  Clock::time_point resume{};
  {
    std::lock_guard lock(mutex_);
    if (crashes_.size() >= 2) {  // the first restart is at once, then restart_backoff, doubling
      resume = crashes_.back() +
               std::min(limits_.restart_backoff * (std::int64_t{1} << std::min<std::size_t>(crashes_.size() - 2, 20)),
                        limits_.restart_backoff_max);
    }
  }
  if (auto left = resume - Clock::now(); left > Clock::duration::zero()) fiber::sleep_for(left);
  auto made = RunnerProcess::start(memfd_, limits_, log_, name());
  if (auto* problem = std::get_if<std::string>(&made)) return NoRunner{*problem, true};
  auto runner = std::move(std::get<std::unique_ptr<RunnerProcess>>(made));
  LoadingLog loading(&log_, file_name_);
  // One deadline for the whole load: an entry point that logs in a loop must not renew it.
  auto deadline = Clock::now() + limits_.hook_deadline;
  try {
    for (;;) {
      auto message = runner->receive(deadline - Clock::now());
      if (!message) {
        runner->stop();
        return NoRunner{.why = record_end(fmt::format("did not finish loading within {} ms and was stopped",
                                                      limits_.hook_deadline.count())),
                        .out_of_time = true};
      }
      Kind kind = message->kind();
      if (kind == Kind::service) {  // log lines of the entry point
        serve_service(*message);
        continue;
      }
      if (kind != Kind::descriptor) throw isolation::WireError("unexpected message");
      std::string problem(message->text());
      if (!problem.empty()) {
        bool before_plugin_code = message->integer() != 0;  // the runner's sandbox failed
        runner->stop();
        return NoRunner{naming_file(problem, file_path_), before_plugin_code};
      }
      if (!take_descriptor(*message)) {
        runner->stop();
        std::lock_guard lock(mutex_);
        quarantined_ = "it described itself differently when its runner started again";
        return NoRunner{quarantined_};
      }
      runner->set_log_source(name());
      return runner;
    }
  } catch (const isolation::WireError&) {
    std::string how = stop(*runner);
    return NoRunner{.why = record_end(how + " while loading"),
                    .killed_elsewhere = runner->killed_by(SIGKILL) && !runner->stopped_by_host()};
  }
}

std::variant<std::unique_ptr<RunnerProcess>, std::string> IsolatedPlugin::acquire(Hook hook) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!quarantined_.empty()) return fmt::format("Plugin `{}` is quarantined: {}", name(), quarantined_);
    if (!idle_.empty()) {
      std::unique_ptr<RunnerProcess> runner = std::move(idle_.back().runner);
      idle_.pop_back();
      RunnerProcess::BetweenCalls state = runner->between_calls();
      if (state == RunnerProcess::BetweenCalls::ready) return runner;
      --runners_;
      lock.unlock();
      std::string how = stop(*runner);
      std::string fault = state == RunnerProcess::BetweenCalls::ended
                              ? fmt::format("Plugin `{}` {} after its last call returned", name(), how)
                              : fmt::format(
                                    "Plugin `{}` wrote to its channel after its last call returned, and was "
                                    "stopped",
                                    name());
      runner.reset();
      fault = record_end(std::move(fault));
      if (log_) log_(LogLevel::error, name(), fault);
      freed_.notify_one();
      lock.lock();
      continue;
    }
    if (runners_ < std::max(limits_.runners_per_plugin, 1)) {
      ++runners_;
      lock.unlock();
      Started started = start_runner();
      if (auto* runner = std::get_if<std::unique_ptr<RunnerProcess>>(&started)) return std::move(*runner);
      release(nullptr);
      return fmt::format("Plugin `{}` could not be started for {}: {}", name(), hook_name(hook),
                         std::get<NoRunner>(started).why);
    }
    fiber::wait(freed_, lock);
  }
}

void IsolatedPlugin::release(std::unique_ptr<RunnerProcess> runner) {
  std::unique_ptr<RunnerProcess> ended;
  {
    std::lock_guard lock(mutex_);
    if (runner == nullptr || !quarantined_.empty() || closing_) {
      ended = std::move(runner);
      --runners_;
    } else {
      idle_.push_back({std::move(runner), Clock::now()});
      if (idle_.size() > 1 && !reaping_) {
        if (reaper_.joinable()) reaper_.join();  // it has finished: it cleared reaping_ last
        reaping_ = true;
        reaper_ = std::thread([this] { end_idle_runners(); });
      }
    }
  }
  ended.reset();
  freed_.notify_one();
}

void IsolatedPlugin::end_idle_runners() {
  std::unique_lock lock(mutex_);
  while (!closing_ && idle_.size() > 1) {
    auto expires = idle_.front().since + kIdleRunnerLifetime;
    if (Clock::now() < expires) {
      reaper_wake_.wait_until(lock, expires);
      continue;
    }
    std::unique_ptr<RunnerProcess> runner = std::move(idle_.front().runner);
    idle_.erase(idle_.begin());
    --runners_;
    lock.unlock();
    runner.reset();  // kills and reaps it
    freed_.notify_one();
    lock.lock();
  }
  reaping_ = false;
}

std::string IsolatedPlugin::quarantine_reason() const {
  std::lock_guard lock(mutex_);
  return quarantined_;
}

bool IsolatedPlugin::lift_quarantine() {
  std::lock_guard lock(mutex_);
  if (quarantined_.empty()) return false;
  quarantined_.clear();
  crashes_.clear();
  return true;
}

}  // namespace destkit::host
