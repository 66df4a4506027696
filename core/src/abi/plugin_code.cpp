#include "abi/plugin_code.hpp"

#include "fiber/fiber.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <unistd.h>

namespace destkit::host {
namespace {

// Trivially destructible on purpose: exit() destroys thread_local objects before it runs the
// atexit handlers, and the handler below still needs to read this.
thread_local const PluginCode* running_here = nullptr;
// An isolated plugin's hook is host code that waits on a fiber: the mark follows it.
[[maybe_unused]] const bool kept_per_fiber =
    fiber::keep_per_fiber([](void* value) { return fiber::exchange_local(running_here, value); });
std::atomic<int> running_anywhere{0};
std::atomic<ExitFromPluginCodeReport> exit_report{nullptr};
std::atomic<bool> every_exit_refused{false};

constexpr std::string_view kExitOnOtherThread =
    "destkit: exit() was called while a plugin's code was running; exiting with status 3\n";
constexpr std::string_view kExitOutsideHooks =
    "destkit: exit() was called by code that is not destkit's (a plugin's thread, destructor or exit handler); "
    "exiting with status 3\n";

// Registered with atexit and at_quick_exit: the exit was asked for by plugin code, so the
// status it asked for means nothing.
void refuse_exit_from_plugin_code() {
  std::string_view message;
  if (running_here != nullptr) {
    message = running_here->exit_message();
  } else if (running_anywhere.load() > 0) {
    message = kExitOnOtherThread;
  } else if (every_exit_refused.load()) {
    message = kExitOutsideHooks;
  } else {
    return;
  }
  [[maybe_unused]] ssize_t ignored = ::write(STDERR_FILENO, message.data(), message.size());
  if (ExitFromPluginCodeReport report = exit_report.load()) report(message);
  ::_exit(3);
}

void register_exit_handlers() {
  static std::once_flag registered;
  std::call_once(registered, [] {
    std::atexit(refuse_exit_from_plugin_code);
    std::at_quick_exit(refuse_exit_from_plugin_code);
  });
}

}  // namespace

void on_exit_from_plugin_code(ExitFromPluginCodeReport report) { exit_report.store(report); }

void refuse_every_exit() {
  every_exit_refused.store(true);
  register_exit_handlers();
}

PluginCode::PluginCode(std::string_view plugin, std::string_view activity)
    : exit_message_(fmt::format("destkit: plugin {} called exit() {}; exiting with status 3\n", plugin, activity)),
      enclosing_(running_here) {
  register_exit_handlers();
  running_here = this;
  running_anywhere.fetch_add(1);
}

PluginCode::~PluginCode() {
  running_anywhere.fetch_sub(1);
  running_here = enclosing_;
}

std::string escaped_exception_message(std::string_view plugin, std::string_view activity, const std::string& what) {
  return fmt::format("Plugin `{}` let a C++ exception cross the ABI {} ({}): its code must return a status instead",
                     plugin, activity, what);
}

}  // namespace destkit::host
