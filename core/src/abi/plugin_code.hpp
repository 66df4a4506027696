// plugin_code — marks where the host runs a plugin's code, so that an exit() from that code
// cannot end the process as if the host had finished its work.
//
// While a PluginCode scope is open (around a plugin's constructors and entry point at load,
// and around each hook), exit() or quick_exit() called on any thread ends the process with
// status 3 and a line on stderr: naming the plugin and what it was doing when called on the
// scope's own thread, saying only that plugin code was running otherwise. _exit() and _Exit()
// run no handler and cannot be caught in the process.
#pragma once

#include <exception>
#include <string>
#include <string_view>

namespace destkit::host {

class PluginCode {
 public:
  // `plugin` names the plugin (its slug, or its file while it loads); `activity` what it does.
  PluginCode(std::string_view plugin, std::string_view activity);
  ~PluginCode();
  PluginCode(const PluginCode&) = delete;
  PluginCode& operator=(const PluginCode&) = delete;

  const std::string& exit_message() const { return exit_message_; }

 private:
  std::string exit_message_;
  const PluginCode* enclosing_;
};

// Called on the way out when plugin code ends the process as above, after the line on stderr,
// with that line: a program whose output must stay well-formed (the CLI's --json) writes what
// it owes, with write(2) only (standard I/O may be half torn down). Set before plugins load.
using ExitFromPluginCodeReport = void (*)(std::string_view line);
void on_exit_from_plugin_code(ExitFromPluginCodeReport report);

// For a program that never calls exit() itself, and ends with _exit() once its output is
// flushed (the CLI): from now on exit() or quick_exit() called anywhere, in a hook or not (a
// plugin's thread, destructor or exit handler), ends the process with status 3 as above.
void refuse_every_exit();

// Calls plugin code that must not throw (a hook, an entry point) inside a PluginCode scope. An
// exception that crosses the C ABI anyway (C++ code that let one out) is the plugin's fault:
// `on_exception` gets what it says, and its result is returned.
template <class Call, class OnException>
auto run_plugin_code(std::string_view plugin, std::string_view activity, Call&& call, OnException&& on_exception)
    -> decltype(call()) {
  try {
    PluginCode running(plugin, activity);
    return call();
  } catch (const std::exception& e) {
    return on_exception(std::string(e.what()));
  } catch (...) {
    return on_exception(std::string("an exception that is not a std::exception"));
  }
}

// What a verdict or a rejection says of such an exception.
std::string escaped_exception_message(std::string_view plugin, std::string_view activity, const std::string& what);

}  // namespace destkit::host
