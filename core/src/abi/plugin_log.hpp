// abi/plugin_log — how much a plugin may write to the host's log in one call (or one run of
// its entry point), through log()
// or, in a runner, its standard output and error: a plugin that logs in a loop must not fill
// the disk under the host. The same limits hold in process and isolated.
#pragma once

#include "http/redactor.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace destkit::host {

// A longer line is cut there (after its secrets were redacted, so no part of one is shown).
inline constexpr std::size_t kMaxPluginLogLineBytes = 16 * 1024;
// Lines one call may log; the next one logged says that the rest are dropped.
inline constexpr int kMaxPluginLogLinesPerCall = 1000;
inline constexpr std::string_view kPluginLogDropped = "further log lines of this call are dropped";
// The entry point, which runs each time the plugin is loaded, has the same budget.
inline constexpr std::string_view kEntryLogDropped = "further log lines of its entry point are dropped";

// What extendRequest may have the host hold, all its log lines, error and invalid-setting
// sentences together, until it returns and the host knows which settings are credentials:
// held whole, since a text cut before its redaction could show the start of a secret.
inline constexpr std::size_t kMaxHeldBytes = 16 << 20;

// The line as logged: cut at kMaxPluginLogLineBytes, saying how much was cut.
std::string bounded_log_line(std::string line);
// The same of a line redacted first. Only as much of it is redacted as is logged
// (Redactor::apply_to_start): a huge line costs no more than its logged part; the bytes not
// logged are counted in the line as given.
std::string redacted_log_line(const Redactor& redactor, std::string_view line);

// Counts one call's lines: what the next line becomes.
class PluginLogBudget {
 public:
  enum class Next { log, say_dropped, drop };
  Next take() {
    ++lines_;
    if (lines_ <= kMaxPluginLogLinesPerCall) return Next::log;
    return lines_ == kMaxPluginLogLinesPerCall + 1 ? Next::say_dropped : Next::drop;
  }
  void reset() { lines_ = 0; }

 private:
  int lines_ = 0;
};

}  // namespace destkit::host
