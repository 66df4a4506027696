// isolation/runner_process — one running destkit-plugin-runner: starting it with a clean
// environment and only the descriptors it needs, reading what the plugin writes to stdout and
// stderr into the host's log, and ending it.
#pragma once

#include "abi/plugin_log.hpp"
#include "http/redactor.hpp"
#include "isolation/wire.hpp"
#include "util/spin_wait.hpp"

#include <destkit/host/config.hpp>
#include <destkit/host/log.hpp>

#include <sys/types.h>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace destkit::host {

// Where the runner program is: <libexecdir>/destkit/destkit-plugin-runner, found from the
// host's own binary (the destkit program, or libdestkit-host.so) as the plugin directory is,
// in an installed tree and in the build tree alike.
std::filesystem::path runner_program();

// Where a call's output goes while the host cannot yet redact it: extendRequest's, held with
// the call's log() lines until it returns and the host knows which settings it sends as
// credentials (abi/call.cpp).
struct OutputHold {
  const bool* while_set = nullptr;                                 // dk_call::extension_writable
  std::vector<std::pair<LogLevel, std::string>>* lines = nullptr;  // dk_call::held_log
};

class RunnerProcess {
 public:
  // Starts the runner on `plugin_fd` (a sealed memfd). `log_source` names the plugin in the log
  // lines made of its output.
  static std::variant<std::unique_ptr<RunnerProcess>, std::string> start(int plugin_fd, const RunnerLimits& limits,
                                                                         LogSink log, std::string log_source);
  ~RunnerProcess();  // ends and reaps the runner
  RunnerProcess(const RunnerProcess&) = delete;
  RunnerProcess& operator=(const RunnerProcess&) = delete;

  // Waits for room with fiber::poll, so that a runner that stops reading holds up only its own
  // call, and that for `budget` at most: false when the channel stayed full for that long.
  bool send(const isolation::Message& message, std::chrono::steady_clock::duration budget);
  // The next message, while logging the plugin's output. Nothing when `budget` ran out first;
  // WireError when the runner closed the channel (it ended, or the plugin closed fd 3).
  std::optional<isolation::Reader> receive(std::chrono::steady_clock::duration budget);

  // Kills the runner unless it already ended (or ends within `grace`), reaps it, logs the rest
  // of its output, and says how it ended: "SIGSEGV", "exit status 0".
  std::string stop(std::chrono::milliseconds grace = std::chrono::milliseconds(0));
  // How a runner that finished its last call is now: ended on its own (a plugin thread
  // crashed, say), or it wrote to its channel since, which only a plugin that forges the
  // runner's messages does (a forged end of a hook, whose real end then comes late).
  enum class BetweenCalls { ready, ended, spoke };
  BetweenCalls between_calls();
  bool killed_by(int signal) const { return signal_ == signal; }
  // After stop(): whether the runner was still running, so that stop() ended it.
  bool stopped_by_host() const { return stopped_by_host_; }
  // A call runs on the runner: what the plugin writes until end_call is redacted with the
  // call's redactor (or held, see OutputHold), and counted against the call's log lines
  // (abi/plugin_log.hpp).
  void begin_call(const Redactor& redactor, OutputHold hold);
  // Logs what the plugin wrote during the call, its unfinished last lines too, so that none
  // of it is shown with another call. Later output (a thread of the plugin) is redacted with
  // this call's secrets.
  void end_call();
  // Output is logged under the file's name until the plugin has told its slug; what its entry
  // point wrote is logged under that name first, though its descriptor came before it was read.
  void set_log_source(std::string source) {
    flush_output();
    log_source_ = std::move(source);
  }

 private:
  RunnerProcess() = default;
  // Logs what the plugin wrote; `final` logs an unfinished last line too.
  void drain(int& fd, std::string& partial, LogLevel level, const char* stream, bool final);
  void log_output(LogLevel level, const char* stream, std::string_view line);
  // Logs what the plugin has written so far, unfinished last lines included.
  void flush_output();

  pid_t pid_ = -1;
  int channel_ = -1;
  isolation::Inbox inbox_;
  util::SpinWait reply_wait_;  // for the runner's next message, off a fiber (util/spin_wait.hpp)
  // A plugin that paces its messages to come just within the window would keep the host looking
  // for as long as its hook runs: a call gets this much looking, then only sleeping.
  static constexpr std::chrono::steady_clock::duration kMostLookingPerCall = std::chrono::milliseconds(1);
  std::chrono::steady_clock::duration looked_in_call_{};
  std::string outgoing_;  // the frame being sent, kept: no allocation per message once grown
  int out_ = -1;
  int err_ = -1;
  std::string out_partial_;
  std::string err_partial_;
  LogSink log_;
  std::string log_source_;
  const Redactor* call_redactor_ = nullptr;  // the running call's
  OutputHold hold_;                          // the running call's
  Redactor last_redactor_;                   // the last call's, for output after it
  bool between_calls_ = false;               // a call ended, and the next has not begun
  PluginLogBudget log_budget_;
  int signal_ = 0;  // what ended it, once reaped
  bool stopped_by_host_ = false;
};

}  // namespace destkit::host
