// isolation/isolated_plugin — a plugin library whose code runs in a runner process.
//
// To the rest of the host it is a dk_plugin like any other: its hooks are host functions that
// send the hook to the runner and serve the runner's service calls (which run the host's own
// services on the host's dk_call) until the runner answers. So the credential test, the 401
// refresh, the nested extendRequest and the verdicts are one code path for both modes.
//
// The runner starts when the plugin is discovered in one, or at its first hook call, and is
// kept. A runner that crashes, exits, closes its channel or overruns the hook deadline is
// killed and reaped, the call fails with a verdict naming the cause (dk_call::fault), and the
// next call starts a new runner after a backoff (none after the first crash, then
// restart_backoff, doubling up to restart_backoff_max). A plugin whose runner died
// crashes_before_quarantine times within crash_window is quarantined: its hooks fail at once
// until lift_quarantine (Host::rescan).
#pragma once

#include "isolation/runner_process.hpp"

#include <destkit/abi.h>
#include <destkit/host/config.hpp>
#include <destkit/host/log.hpp>

#include <chrono>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <variant>

namespace destkit::host {

class IsolatedPlugin;

// The descriptor comes first so that a hook, handed dk_call::hooks, finds its plugin.
struct IsolatedDescriptor {
  dk_plugin descriptor;
  IsolatedPlugin* plugin;
};
static_assert(std::is_standard_layout_v<IsolatedDescriptor>, "the descriptor must convert to its plugin");

class IsolatedPlugin {
 public:
  // Starts a runner on the verified `bytes` of `file` and runs its entry point there. The
  // descriptor it reported (hooks replaced by the host's), or why the plugin is rejected.
  static std::variant<std::unique_ptr<IsolatedPlugin>, std::string> discover(const std::filesystem::path& file,
                                                                             const std::string& bytes,
                                                                             const RunnerLimits& limits, LogSink log);
  // A plugin the host loaded in process whose hooks run in a runner, started at first use.
  static std::variant<std::unique_ptr<IsolatedPlugin>, std::string> deferred(const std::filesystem::path& file,
                                                                             const std::string& bytes,
                                                                             const dk_plugin& loaded,
                                                                             const RunnerLimits& limits, LogSink log);
  ~IsolatedPlugin();

  // Kept in place for the life of this object: dk_call::hooks must point at it. Null when the
  // entry point returned NULL.
  const dk_plugin* descriptor() const { return entry_returned_null_ ? nullptr : &holder_.descriptor; }

  // Runs one hook in the runner (see the file comment). On failure the call's fault says why.
  dk_status run(isolation::Hook hook, dk_call* call, dk_request_options* out) noexcept;

  // Why the host no longer runs this plugin's code; empty while it does.
  std::string quarantine_reason() const;
  // Lets the next call start a runner again, its crash count at zero; false when the plugin
  // was not quarantined.
  bool lift_quarantine();

 private:
  IsolatedPlugin(const std::filesystem::path& file, const RunnerLimits& limits, LogSink log);
  std::string start();  // a runner with the expected descriptor, or why not (a phrase: "crashed (SIGSEGV) ...")
  // Stops the runner and says how it ended, as a phrase.
  std::string stop_runner();
  // Counts a runner's end toward quarantine; returns `fault`.
  std::string record_end(std::string fault);
  // Takes the descriptor the runner sent; false when it differs from the one expected.
  bool take_descriptor(isolation::Reader& message);
  const std::string& name() const { return slug_.empty() ? file_name_ : slug_; }

  IsolatedDescriptor holder_{};
  std::string file_path_;  // as given, to name the file in the loader's messages
  std::string file_name_;
  std::string slug_, version_, definition_;  // what the descriptor points to
  int hooks_present_ = 0;
  bool described_ = false;
  bool entry_returned_null_ = false;
  int memfd_ = -1;
  RunnerLimits limits_;
  LogSink log_;

  mutable std::recursive_mutex mutex_;
  std::unique_ptr<RunnerProcess> runner_;
  std::uint64_t generation_ = 0;  // counts runners started, so a nested call's crash is noticed
  std::deque<std::chrono::steady_clock::time_point> crashes_;
  std::string last_fault_;
  std::string quarantined_;
};

}  // namespace destkit::host
